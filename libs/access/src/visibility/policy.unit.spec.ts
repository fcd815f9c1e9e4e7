import { ACTOR_KINDS, type ActorKind, EVENT_TYPES, visibleEvent, visibleFields } from '..';

// An independent transcription of CONTRACT.md "The event catalogue" and "Who sees what", written
// per event type rather than per category so that a mistake in the policy's grouping shows up.
const FIELDS: Record<string, string[]> = {
  MigrationCaseOpened: ['route', 'birthYear', 'gender', 'citizenship', 'unaccompaniedMinor'],
  ReceptionHousingAssigned: ['housingType', 'municipalityCode'],
  ResidencePermitGranted: ['permitType', 'ground', 'validUntil'],
  ResidencePermitRefused: [],
  MunicipalityAssigned: ['municipalityCode'],
  MigrationCaseClosed: ['reason'],
  PopulationRegistered: ['personalIdentityNumber', 'municipalityCode'],
  MovedToMunicipality: ['municipalityCode'],
  SettledInMunicipality: ['municipalityCode', 'arrangement'],
  SfiEnrolled: ['studyPath', 'course', 'vocational'],
  SfiCoursePassed: ['course', 'grade'],
  SfiDiscontinued: ['course', 'reason'],
  CivicOrientationStarted: ['language', 'plannedHours'],
  CivicOrientationCompleted: ['hours'],
  HealthExaminationOffered: [],
  HealthExaminationCompleted: [],
  EstablishmentProgrammeStarted: ['plannedEndDate'],
  EstablishmentProgrammeEnded: ['reason'],
  EstablishmentAllowanceGranted: ['extentPercent'],
  CompetenceMapped: ['yearsOfSchooling', 'highestEducation', 'occupations', 'healthcareBackground'],
  InternshipStarted: ['occupation', 'sector', 'employer'],
  InternshipEnded: [],
  ValidationStarted: ['kind', 'occupation'],
  ValidationCompleted: ['outcome'],
  EducationStarted: ['level'],
  EducationEnded: ['completed'],
  EmploymentStarted: ['occupation', 'form', 'hoursPerWeek', 'employer'],
  EmploymentEnded: [],
  BusinessStarted: ['organisationNumber'],
  EventRetracted: ['eventId', 'reason'],
};

// Y: all fields; N: invisible; [..]: exactly these fields; -[..]: all fields but these.
type Cell = 'Y' | 'N' | string[] | { not: string[] };
const Y = 'Y' as const;
const N = 'N' as const;
const not = (...fields: string[]) => ({ not: fields });

// Columns: migrationsverket, skatteverket, municipality, arbetsformedlingen, forsakringskassan, region.
// County boards, analysts and the platform are N for every type and are added below.
const TABLE: Record<string, [Cell, Cell, Cell, Cell, Cell, Cell]> = {
  MigrationCaseOpened: [Y, N, not('citizenship'), not('citizenship'), N, ['birthYear', 'gender']],
  ReceptionHousingAssigned: [Y, N, Y, Y, N, N],
  ResidencePermitGranted: [Y, N, not('ground'), Y, ['permitType'], N],
  ResidencePermitRefused: [Y, N, Y, Y, N, N],
  MunicipalityAssigned: [Y, N, Y, Y, N, N],
  MigrationCaseClosed: [Y, N, Y, Y, N, N],
  PopulationRegistered: [Y, Y, Y, Y, Y, Y],
  MovedToMunicipality: [Y, Y, Y, Y, Y, Y],
  SettledInMunicipality: [Y, N, Y, Y, Y, Y],
  SfiEnrolled: [N, N, Y, Y, N, N],
  SfiCoursePassed: [N, N, Y, Y, N, N],
  SfiDiscontinued: [N, N, Y, Y, N, N],
  CivicOrientationStarted: [N, N, Y, Y, N, N],
  CivicOrientationCompleted: [N, N, Y, Y, N, N],
  HealthExaminationOffered: [N, N, N, N, N, Y],
  HealthExaminationCompleted: [N, N, N, N, N, Y],
  EstablishmentProgrammeStarted: [N, N, Y, Y, Y, N],
  EstablishmentProgrammeEnded: [N, N, Y, Y, Y, N],
  EstablishmentAllowanceGranted: [N, N, Y, Y, Y, N],
  CompetenceMapped: [N, N, Y, Y, N, N],
  InternshipStarted: [N, N, Y, Y, N, N],
  InternshipEnded: [N, N, Y, Y, N, N],
  ValidationStarted: [N, N, Y, Y, N, N],
  ValidationCompleted: [N, N, Y, Y, N, N],
  EducationStarted: [N, N, Y, Y, N, N],
  EducationEnded: [N, N, Y, Y, N, N],
  EmploymentStarted: [N, N, Y, Y, N, N],
  EmploymentEnded: [N, N, Y, Y, N, N],
  BusinessStarted: [N, N, Y, Y, N, N],
  EventRetracted: [N, N, N, N, N, N],
};

const COLUMNS: ActorKind[] = ['migrationsverket', 'skatteverket', 'municipality', 'arbetsformedlingen', 'forsakringskassan', 'region'];

function expectedFields(actor: ActorKind, type: string): string[] | null {
  const column = COLUMNS.indexOf(actor);
  if (column < 0) return null;
  const cell = TABLE[type][column];
  if (cell === 'N') return null;
  if (cell === 'Y') return FIELDS[type];
  if (Array.isArray(cell)) return cell;
  return FIELDS[type].filter((f) => !cell.not.includes(f));
}

const valueFor = (type: string, field: string) => `${type}.${field}`;
const fullData = (type: string) => Object.fromEntries(FIELDS[type].map((f) => [f, valueFor(type, f)]));

describe('the transcription covers the contract', () => {
  it('has the 30 catalogue types (29 facts and EventRetracted), as the policy does', () => {
    expect(Object.keys(FIELDS)).toHaveLength(30);
    expect([...EVENT_TYPES].sort()).toEqual(Object.keys(FIELDS).sort());
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(FIELDS).sort());
  });

  it('covers every actor kind', () => {
    expect([...ACTOR_KINDS].sort()).toEqual([...COLUMNS, 'county', 'analyst', 'platform'].sort());
  });
});

const actorTypePairs = ACTOR_KINDS.flatMap((actor) => Object.keys(FIELDS).map((type) => [actor, type] as const));
const actorTypeFieldTriples = actorTypePairs.flatMap(([actor, type]) =>
  FIELDS[type].map((field) => [actor, type, field] as const),
);

describe('visibleEvent over every actor × event type', () => {
  it.each(actorTypePairs)('%s reading %s sees the contract fields', (actor, type) => {
    const expected = expectedFields(actor, type);
    const shown = visibleEvent(actor, { type, data: fullData(type) });
    if (expected === null) {
      expect(shown).toBeNull();
    } else {
      expect(shown).toEqual({ type, data: Object.fromEntries(expected.map((f) => [f, valueFor(type, f)])) });
    }
  });

  it.each(actorTypePairs)('%s reading %s never sees a field outside the catalogue', (actor, type) => {
    const shown = visibleEvent(actor, { type, data: { ...fullData(type), findings: 'x', personalIdentityNumber_: 'y' } });
    if (shown) expect(Object.keys(shown.data).sort()).toEqual([...(expectedFields(actor, type) ?? [])].sort());
  });
});

describe('visibleEvent over every actor × event type × field', () => {
  it.each(actorTypeFieldTriples)('%s reading %s.%s', (actor, type, field) => {
    const expected = expectedFields(actor, type);
    const shown = visibleEvent(actor, { type, data: { [field]: 'v' } });
    if (expected === null) {
      expect(shown).toBeNull();
      expect(visibleFields(actor, type)).toBeNull();
    } else {
      expect(shown).not.toBeNull();
      expect(shown!.data).toEqual(expected.includes(field) ? { [field]: 'v' } : {});
      expect(visibleFields(actor, type)?.includes(field)).toBe(expected.includes(field));
    }
  });
});

describe('visibleEvent edge cases', () => {
  it('hides an unknown event type from everyone', () => {
    for (const actor of ACTOR_KINDS) expect(visibleEvent(actor, { type: 'Unheard', data: { a: 1 } })).toBeNull();
  });

  it('does not treat inherited names as event types or fields', () => {
    expect(visibleEvent('migrationsverket', { type: 'toString', data: {} })).toBeNull();
    const data = Object.create({ reason: 'inherited' }) as Record<string, unknown>;
    expect(visibleEvent('migrationsverket', { type: 'MigrationCaseClosed', data })).toEqual({
      type: 'MigrationCaseClosed',
      data: {},
    });
  });

  it('keeps the envelope and leaves the input untouched', () => {
    const event = { id: 'e1', time: '2020-01-01T00:00:00Z', type: 'ResidencePermitGranted', data: fullData('ResidencePermitGranted') };
    const before = structuredClone(event);
    expect(visibleEvent('forsakringskassan', event)).toEqual({ ...event, data: { permitType: 'ResidencePermitGranted.permitType' } });
    expect(event).toEqual(before);
  });

  it('omits optional fields that are absent rather than inventing them', () => {
    expect(visibleEvent('migrationsverket', { type: 'ResidencePermitGranted', data: { permitType: 'temporary', ground: 'refugee' } })).toEqual({
      type: 'ResidencePermitGranted',
      data: { permitType: 'temporary', ground: 'refugee' },
    });
  });
});
