import {
  COUNTIES,
  MUNICIPALITIES,
  countyOfMunicipality,
  isCountyCode,
  isMunicipalityCode,
  municipalitiesInCounty,
} from './index';
import { CITIZENSHIP_CODES, isCitizenshipCode } from './countries';
import { isLanguageCode } from './languages';
import { SSYK_UNIT_GROUPS, isSsykCode, ssykName } from './ssyk';
import {
  genderOfPersonalIdentityNumber,
  isCoordinationNumber,
  isDossierNumber,
  isValidOrganisationNumber,
  isValidPersonalIdentityNumber,
} from './identifiers';

describe('municipalities and counties', () => {
  it('has 290 municipalities in 21 counties, codes unique', () => {
    expect(MUNICIPALITIES).toHaveLength(290);
    expect(COUNTIES).toHaveLength(21);
    expect(new Set(MUNICIPALITIES.map((m) => m.code)).size).toBe(290);
    expect(new Set(MUNICIPALITIES.map((m) => m.countyCode)).size).toBe(21);
    for (const m of MUNICIPALITIES) {
      expect(m.code).toMatch(/^\d{4}$/);
      expect(isCountyCode(m.countyCode)).toBe(true);
    }
  });

  it.each([
    ['0180', 'Stockholm', '01'],
    ['2281', 'Sundsvall', '22'],
    ['1480', 'Göteborg', '14'],
    ['1280', 'Malmö', '12'],
    ['0780', 'Växjö', '07'],
    ['0980', 'Gotland', '09'],
    ['2584', 'Kiruna', '25'],
  ])('%s is %s in county %s', (code, name, county) => {
    expect(isMunicipalityCode(code)).toBe(true);
    expect(MUNICIPALITIES.find((m) => m.code === code)?.name).toBe(name);
    expect(countyOfMunicipality(code)).toBe(county);
  });

  it('knows the county sizes', () => {
    expect(municipalitiesInCounty('01')).toHaveLength(26);
    expect(municipalitiesInCounty('12')).toHaveLength(33);
    expect(municipalitiesInCounty('14')).toHaveLength(49);
    expect(municipalitiesInCounty('09')).toHaveLength(1);
  });

  it('rejects codes that are not municipalities or counties', () => {
    for (const bad of ['0100', '0000', '2999', '180', '01800', '', 1480, null, undefined]) {
      expect(isMunicipalityCode(bad)).toBe(false);
    }
    expect(countyOfMunicipality('9999')).toBeUndefined();
    expect(isCountyCode('02')).toBe(false);
    expect(isCountyCode('11')).toBe(false);
    expect(isCountyCode('22')).toBe(true);
  });
});

describe('citizenship and language codes', () => {
  it('accepts ISO 3166-1 alpha-3 plus XXA and XXX', () => {
    for (const ok of ['SWE', 'SYR', 'AFG', 'ERI', 'UKR', 'SOM', 'XXA', 'XXX']) expect(isCitizenshipCode(ok)).toBe(true);
    for (const bad of ['swe', 'SE', 'XXB', 'ZZZ', '', 752]) expect(isCitizenshipCode(bad)).toBe(false);
    expect(CITIZENSHIP_CODES.length).toBeGreaterThanOrEqual(251);
  });

  it('accepts ISO 639-1 codes', () => {
    for (const ok of ['sv', 'ar', 'fa', 'ti', 'so', 'uk', 'en']) expect(isLanguageCode(ok)).toBe(true);
    for (const bad of ['SV', 'swe', 'xx', '', 1]) expect(isLanguageCode(bad)).toBe(false);
  });
});

describe('SSYK 2012', () => {
  it('has the 429 unit groups with unique 4-digit codes', () => {
    expect(SSYK_UNIT_GROUPS).toHaveLength(429);
    expect(new Set(SSYK_UNIT_GROUPS.map((g) => g.code)).size).toBe(429);
    for (const g of SSYK_UNIT_GROUPS) expect(g.code).toMatch(/^\d{4}$/);
  });

  it.each([
    ['0110', 'Officerare'],
    ['2512', 'Mjukvaru- och systemutvecklare m.fl.'],
    ['2211', 'Specialistläkare'],
    ['5321', 'Undersköterskor, hemtjänst, hemsjukvård och äldreboende'],
    ['9111', 'Städare'],
    ['8332', 'Lastbilsförare m.fl.'],
  ])('%s is %s', (code, name) => {
    expect(isSsykCode(code)).toBe(true);
    expect(ssykName(code)).toBe(name);
  });

  it('rejects codes outside SSYK 2012', () => {
    for (const bad of ['0000', '1000', '2510', '9999', '251', 2512]) expect(isSsykCode(bad)).toBe(false);
  });
});

describe('identifiers', () => {
  it('validates personnummer check digits on 12 digits', () => {
    expect(isValidPersonalIdentityNumber('198507099805')).toBe(true);
    expect(isValidPersonalIdentityNumber('198507099806')).toBe(false);
    expect(isValidPersonalIdentityNumber('8507099805')).toBe(false);
    expect(isValidPersonalIdentityNumber('19850709-9805')).toBe(false);
    expect(isValidPersonalIdentityNumber('198513099805')).toBe(false);
    expect(isValidPersonalIdentityNumber(198507099805)).toBe(false);
  });

  it('validates samordningsnummer (day + 60) check digits', () => {
    expect(isValidPersonalIdentityNumber('198507699802')).toBe(true);
    expect(isValidPersonalIdentityNumber('198507699803')).toBe(false);
    expect(isCoordinationNumber('198507699802')).toBe(true);
    expect(isCoordinationNumber('198507099805')).toBe(false);
  });

  it('reads gender from the 11th digit', () => {
    expect(genderOfPersonalIdentityNumber('198507099805')).toBe('female');
    expect(genderOfPersonalIdentityNumber('198507099813')).toBe('male');
    expect(genderOfPersonalIdentityNumber('198507099806')).toBeUndefined();
  });

  it('validates organisationsnummer of legal persons', () => {
    expect(isValidOrganisationNumber('5560360793')).toBe(true);
    expect(isValidOrganisationNumber('2120000142')).toBe(true);
    expect(isValidOrganisationNumber('5560360794')).toBe(false);
    expect(isValidOrganisationNumber('556036-0793')).toBe(false);
    expect(isValidOrganisationNumber('8507099805')).toBe(false);
  });

  it('validates dossier numbers', () => {
    expect(isDossierNumber('12-345678')).toBe(true);
    expect(isDossierNumber('12345678')).toBe(false);
    expect(isDossierNumber('1-2345678')).toBe(false);
  });
});
