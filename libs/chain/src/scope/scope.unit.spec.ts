import { holdingMunicipality, mayPostAbout, residentMunicipality, scopeFor, settlementClaims, type ScopedEvent } from './scope';

const ev = (type: string, time: string, data: Record<string, unknown> = {}): ScopedEvent => ({ type, time: `${time}T09:00:00Z`, data });
const STOCKHOLM = { kind: 'municipality', municipalityCode: '0180' } as const;
const SUNDSVALL = { kind: 'municipality', municipalityCode: '2281' } as const;

// Assigned to, registered and settled in Sundsvall, with SFI there; then Stockholm claims the person.
const history = [
  ev('MigrationCaseOpened', '2023-01-10'),
  ev('MunicipalityAssigned', '2023-06-15', { municipalityCode: '2281' }),
  ev('PopulationRegistered', '2023-07-01', { municipalityCode: '2281' }),
  ev('SettledInMunicipality', '2023-07-02', { municipalityCode: '2281', arrangement: 'assigned' }),
  ev('SfiEnrolled', '2023-08-01'),
  ev('SettledInMunicipality', '2024-01-15', { municipalityCode: '0180', arrangement: 'self-arranged' }),
  ev('SfiCoursePassed', '2024-02-01'),
];

describe('the holding municipality (Amendments v1.1)', () => {
  it('is the latest registration, else settlement, else assignment', () => {
    expect(holdingMunicipality(history.slice(0, 2))).toBe('2281');
    expect(holdingMunicipality([history[0], history[1], history[5]])).toBe('0180');
    expect(holdingMunicipality(history)).toBe('2281');
  });

  it('keeps the registered municipality posting after a settlement elsewhere', () => {
    expect(mayPostAbout(SUNDSVALL, history, ev('SfiCoursePassed', '2024-03-01'))).toBe(true);
    expect(scopeFor(SUNDSVALL, history)).toEqual({ inScope: true, visibleIndices: [0, 1, 2, 3, 4, 5, 6] });
  });
});

describe('a settlement claim opens no history', () => {
  it('shows the claimant the person from the claim on only, and lets it post from then on only', () => {
    expect(scopeFor(STOCKHOLM, history)).toEqual({ inScope: true, visibleIndices: [5, 6] });
    expect(mayPostAbout(STOCKHOLM, history, ev('SfiEnrolled', '2024-02-10'))).toBe(true);
    expect(mayPostAbout(STOCKHOLM, history, ev('SfiEnrolled', '2023-12-01'))).toBe(false);
  });

  it('until Skatteverket registers the person there: then the whole history', () => {
    const moved = [...history, ev('MovedToMunicipality', '2024-03-01', { municipalityCode: '0180' })];
    expect(scopeFor(STOCKHOLM, moved)).toEqual({ inScope: true, visibleIndices: [0, 1, 2, 3, 4, 5, 6, 7] });
    // And Sundsvall is cut at the move, whose destination it is not shown (endedBy).
    expect(scopeFor(SUNDSVALL, moved)).toEqual({ inScope: true, visibleIndices: [0, 1, 2, 3, 4, 5, 6, 7], endedBy: 7 });
  });

  it('is an anomaly, and lists the person in no claimant view', () => {
    expect(settlementClaims(history)).toEqual([{ municipalityCode: '0180', time: '2024-01-15T09:00:00Z' }]);
    expect(residentMunicipality(history)).toBe('2281');
    expect(residentMunicipality([history[0], history[5]])).toBeUndefined();
  });

  it('a region whose county only has the claim sees the same window', () => {
    expect(scopeFor({ kind: 'region', countyCode: '01' }, history)).toEqual({ inScope: true, visibleIndices: [5, 6] });
  });
});

describe('posting scope of the national agencies', () => {
  const opened = [ev('MigrationCaseOpened', '2023-01-10')];
  it('Skatteverket creates its scope with a registration, no other event', () => {
    expect(mayPostAbout({ kind: 'skatteverket' }, opened, ev('PopulationRegistered', '2023-07-01', { municipalityCode: '2281' }))).toBe(true);
    expect(mayPostAbout({ kind: 'skatteverket' }, opened, ev('MovedToMunicipality', '2023-07-01', { municipalityCode: '2281' }))).toBe(false);
  });
  it('Arbetsförmedlingen and Försäkringskassan need the permit, the programme', () => {
    expect(mayPostAbout({ kind: 'arbetsformedlingen' }, opened, ev('EmploymentStarted', '2023-07-01'))).toBe(false);
    const permitted = [...opened, ev('ResidencePermitGranted', '2023-06-01')];
    expect(mayPostAbout({ kind: 'arbetsformedlingen' }, permitted, ev('EmploymentStarted', '2023-07-01'))).toBe(true);
    expect(mayPostAbout({ kind: 'forsakringskassan' }, permitted, ev('EstablishmentAllowanceGranted', '2023-07-01'))).toBe(false);
    expect(mayPostAbout({ kind: 'forsakringskassan' }, [...permitted, ev('EstablishmentProgrammeStarted', '2023-06-10')], ev('EstablishmentAllowanceGranted', '2023-07-01'))).toBe(true);
  });
});
