import { CATALOGUE, EVENT_TYPES, EXAMPLES, EXAMPLE_TIME, eventDataJsonSchema, isEventType, validateEventData } from './index';

const T = EXAMPLE_TIME;
const paths = (type: string, data: unknown, time = T) => validateEventData(type, data, { time }).map((i) => i.path);

describe('the catalogue', () => {
  it('has the 30 types of the contract (29 facts and the retraction)', () => {
    expect(EVENT_TYPES).toHaveLength(30);
    expect(new Set(EVENT_TYPES).size).toBe(30);
    expect(isEventType('SfiEnrolled')).toBe(true);
    expect(isEventType('SfiEnroled')).toBe(false);
    expect(isEventType('toString')).toBe(false);
    expect(CATALOGUE.EventRetracted.category).toBe('retraction');
    expect(CATALOGUE.InternshipStarted.postedBy).toEqual(['arbetsformedlingen', 'municipality']);
    expect(CATALOGUE.HealthExaminationCompleted.postedBy).toEqual(['region']);
  });

  it.each(EVENT_TYPES)('the example of %s is valid and its schema forbids other fields', (type) => {
    expect(validateEventData(type, EXAMPLES[type], { time: T })).toEqual([]);
    const schema = eventDataJsonSchema(type);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties as object).sort()).toEqual(Object.keys(CATALOGUE[type].fields).sort());
  });

  it('rejects an unknown type', () => {
    expect(paths('Nope', {})).toEqual(['type']);
  });
});

describe('validateEventData', () => {
  it('requires a plain object', () => {
    for (const bad of [null, [], 'x', 1, new Date()]) expect(paths('ResidencePermitRefused', bad)).toEqual(['data']);
    expect(paths('ResidencePermitRefused', Object.create(null))).toEqual([]);
  });

  it('rejects unknown and reserved keys safely', () => {
    const data = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "prototype": 2, "extra": 3}');
    expect(paths('ResidencePermitRefused', data).sort()).toEqual(['data.__proto__', 'data.constructor', 'data.extra', 'data.prototype']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names every bad field at once', () => {
    const issues = paths('MigrationCaseOpened', { route: 'boat', birthYear: 1899.5, gender: 'f', citizenship: 'SE', unaccompaniedMinor: 'yes', x: 1 });
    expect(issues.sort()).toEqual(['data.birthYear', 'data.citizenship', 'data.gender', 'data.route', 'data.unaccompaniedMinor', 'data.x']);
  });

  it('requires required fields and accepts absent optional ones', () => {
    expect(paths('MigrationCaseOpened', {}).sort()).toEqual(['data.birthYear', 'data.citizenship', 'data.gender', 'data.route']);
    expect(paths('MigrationCaseOpened', { route: 'asylum', birthYear: 1990, gender: 'male', citizenship: 'XXA' })).toEqual([]);
  });

  it('checks birth years against the event time', () => {
    expect(paths('MigrationCaseOpened', { ...EXAMPLES.MigrationCaseOpened, birthYear: 2026 }, '2025-12-31T23:00:00Z')).toEqual(['data.birthYear']);
    expect(paths('MigrationCaseOpened', { ...EXAMPLES.MigrationCaseOpened, birthYear: 1899 })).toEqual(['data.birthYear']);
  });

  it('takes booleans strictly', () => {
    expect(paths('EducationEnded', { completed: 'true' })).toEqual(['data.completed']);
    expect(paths('EducationEnded', { completed: 1 })).toEqual(['data.completed']);
    expect(paths('EducationEnded', { completed: null })).toEqual(['data.completed']);
    expect(paths('EducationEnded', { completed: false })).toEqual([]);
  });

  it('checks integer ranges and types', () => {
    expect(paths('CivicOrientationStarted', { language: 'ar', plannedHours: 0 })).toEqual(['data.plannedHours']);
    expect(paths('CivicOrientationStarted', { language: 'ar', plannedHours: 201 })).toEqual(['data.plannedHours']);
    expect(paths('CivicOrientationStarted', { language: 'ar', plannedHours: '100' })).toEqual(['data.plannedHours']);
    expect(paths('CivicOrientationCompleted', { hours: 60.5 })).toEqual(['data.hours']);
    expect(paths('CompetenceMapped', { yearsOfSchooling: 26, highestEducation: 'none' })).toEqual(['data.yearsOfSchooling']);
    expect(paths('EmploymentStarted', { occupation: '9111', form: 'regular', hoursPerWeek: 61 })).toEqual(['data.hoursPerWeek']);
  });

  it('checks numeric enums', () => {
    expect(paths('EstablishmentAllowanceGranted', { extentPercent: 30 })).toEqual(['data.extentPercent']);
    expect(paths('EstablishmentAllowanceGranted', { extentPercent: '100' })).toEqual(['data.extentPercent']);
    expect(paths('SfiEnrolled', { studyPath: '1', course: 'A' })).toEqual(['data.studyPath']);
  });

  it('checks code lists', () => {
    expect(paths('MunicipalityAssigned', { municipalityCode: '0100' })).toEqual(['data.municipalityCode']);
    expect(paths('MunicipalityAssigned', { municipalityCode: 180 })).toEqual(['data.municipalityCode']);
    expect(paths('InternshipStarted', { occupation: '1000', sector: 'private', employer: '5560360794' }).sort()).toEqual([
      'data.employer',
      'data.occupation',
    ]);
    expect(paths('CivicOrientationStarted', { language: 'ara', plannedHours: 100 })).toEqual(['data.language']);
    expect(paths('MigrationCaseOpened', { ...EXAMPLES.MigrationCaseOpened, citizenship: 'swe' })).toEqual(['data.citizenship']);
    expect(paths('BusinessStarted', { organisationNumber: '556036-0793' })).toEqual(['data.organisationNumber']);
  });

  it('checks arrays of SSYK codes item by item', () => {
    const base = { yearsOfSchooling: 12, highestEducation: 'upper-secondary' };
    expect(paths('CompetenceMapped', { ...base, occupations: ['5321', '0000', 5321, '5321'] })).toEqual([
      'data.occupations[1]',
      'data.occupations[2]',
      'data.occupations[3]',
    ]);
    expect(paths('CompetenceMapped', { ...base, occupations: '5321' })).toEqual(['data.occupations']);
    expect(paths('CompetenceMapped', { ...base, occupations: [] })).toEqual([]);
  });

  it('checks personnummer check digits without echoing the number', () => {
    for (const pnr of ['199001159807', '9001159806', '19900115-9806', '199013159806']) {
      const issues = validateEventData('PopulationRegistered', { personalIdentityNumber: pnr, municipalityCode: '2281' }, { time: T });
      expect(issues.map((i) => i.path)).toEqual(['data.personalIdentityNumber']);
      expect(JSON.stringify(issues)).not.toContain(pnr);
    }
    expect(paths('PopulationRegistered', { personalIdentityNumber: '199001759803', municipalityCode: '2281' })).toEqual([]);
  });

  it('requires the SFI course to belong to the study path', () => {
    const ok: Array<[number, string]> = [[1, 'A'], [1, 'D'], [2, 'B'], [2, 'D'], [3, 'C'], [3, 'D']];
    for (const [studyPath, course] of ok) expect(paths('SfiEnrolled', { studyPath, course })).toEqual([]);
    expect(paths('SfiEnrolled', { studyPath: 2, course: 'A' })).toEqual(['data.course']);
    expect(paths('SfiEnrolled', { studyPath: 3, course: 'B' })).toEqual(['data.course']);
    expect(paths('SfiEnrolled', { studyPath: 3, course: 'E' })).toEqual(['data.course']);
  });

  it('limits the programme to 24 months from the event time and not before it', () => {
    const time = '2024-02-29T10:00:00+01:00';
    expect(paths('EstablishmentProgrammeStarted', { plannedEndDate: '2026-02-28' }, time)).toEqual([]);
    expect(paths('EstablishmentProgrammeStarted', { plannedEndDate: '2024-02-29' }, time)).toEqual([]);
    expect(paths('EstablishmentProgrammeStarted', { plannedEndDate: '2026-03-01' }, time)).toEqual(['data.plannedEndDate']);
    expect(paths('EstablishmentProgrammeStarted', { plannedEndDate: '2024-02-28' }, time)).toEqual(['data.plannedEndDate']);
    expect(paths('EstablishmentProgrammeStarted', { plannedEndDate: '2025-02-30' }, time)).toEqual(['data.plannedEndDate']);
    expect(paths('EstablishmentProgrammeStarted', { plannedEndDate: '2025-2-3' }, time)).toEqual(['data.plannedEndDate']);
  });

  it('checks real calendar dates', () => {
    const base = { permitType: 'temporary', ground: 'refugee' };
    expect(paths('ResidencePermitGranted', { ...base, validUntil: '2027-02-29' })).toEqual(['data.validUntil']);
    expect(paths('ResidencePermitGranted', { ...base, validUntil: '2028-02-29' })).toEqual([]);
    expect(paths('ResidencePermitGranted', { ...base, validUntil: '2028-13-01' })).toEqual(['data.validUntil']);
    expect(paths('ResidencePermitGranted', { ...base, validUntil: '2020-01-01' })).toEqual(['data.validUntil']);
  });

  it('checks the retraction reason', () => {
    expect(paths('EventRetracted', { eventId: 'e1', reason: '' })).toEqual(['data.reason']);
    expect(paths('EventRetracted', { eventId: 'e1', reason: '   ' })).toEqual(['data.reason']);
    expect(paths('EventRetracted', { eventId: 'e1', reason: 'x'.repeat(501) })).toEqual(['data.reason']);
    expect(paths('EventRetracted', { eventId: 'e1', reason: 'x'.repeat(500) })).toEqual([]);
    expect(paths('EventRetracted', { eventId: '', reason: 'wrong person' })).toEqual(['data.eventId']);
    const leak = validateEventData('EventRetracted', { eventId: 'e1', reason: 'meant 900115-9806' }, { time: T });
    expect(leak.map((i) => i.path)).toEqual(['data.reason']);
    expect(JSON.stringify(leak)).not.toContain('9806');
  });

  it('takes empty data for the empty types and nothing else', () => {
    for (const type of ['ResidencePermitRefused', 'HealthExaminationOffered', 'HealthExaminationCompleted', 'InternshipEnded', 'EmploymentEnded']) {
      expect(paths(type, {})).toEqual([]);
      expect(paths(type, { findings: 'x' })).toEqual(['data.findings']);
    }
  });
});

describe('eventDataJsonSchema', () => {
  it('describes fields with kinds, limits and examples', () => {
    const s = eventDataJsonSchema('EmploymentStarted') as any;
    expect(s.required).toEqual(['occupation', 'form']);
    expect(s.properties.hoursPerWeek).toMatchObject({ type: 'integer', minimum: 1, maximum: 60 });
    expect(s.properties.occupation.enum).toContain('5321');
    expect(s.properties.employer.pattern).toBe('^\\d{2}[2-9]\\d{7}$');
    const sfi = eventDataJsonSchema('SfiEnrolled') as any;
    expect(sfi.properties.studyPath).toMatchObject({ type: 'integer', enum: [1, 2, 3] });
    const slim = eventDataJsonSchema('MunicipalityAssigned', { inlineCodeLists: false }) as any;
    expect(slim.properties.municipalityCode.pattern).toBe('^\\d{4}$');
    expect(eventDataJsonSchema('ResidencePermitRefused')).not.toHaveProperty('required');
  });
});
