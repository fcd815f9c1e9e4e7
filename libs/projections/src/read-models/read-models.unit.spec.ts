import type { StoredEvent } from '@kedja/event-store';
import { evolvePersonRow, type PersonRow, type PersonViewSpec } from './person-table';
import { settlementQueueSpec } from './settlement-queue';
import { establishmentSpec, type EstablishmentDetail } from './establishment';
import { residentsSpec, type ResidentDetail } from './residents';
import { chainGapsSpec } from './chain-gaps';
import { anomaliesOf, countyOverviewSpec, type OverviewDetail } from './county-overview';
import { anchorCutoff, gapAge, isPastThreshold, openGaps, parseThreshold, type GapAnchor } from './gaps';
import { factsOf } from './person-history';

const PERSON = '6f1c1d2e-0000-4000-8000-000000000001';
let version = 0;

function ev(type: string, time: string, data: Record<string, unknown> = {}, source = 'urn:test', eventId = `e${version + 1}`): StoredEvent {
  version += 1;
  return {
    position: String(version), streamId: PERSON, streamVersion: version, eventId, source, type,
    eventTime: new Date(time).toISOString(), recordedTime: new Date().toISOString(), receivedTime: new Date().toISOString(),
    data, metadata: { actor: 'migrationsverket' },
  };
}

function fold(spec: Pick<PersonViewSpec, 'derive'>, events: StoredEvent[]): PersonRow {
  let row: PersonRow | null = null;
  for (const e of events) row = evolvePersonRow(spec, row, e);
  return row!;
}

const opened = () => ev('MigrationCaseOpened', '2023-01-10T10:00:00Z', { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR' });
const permit = (time = '2023-06-01T09:00:00Z') => ev('ResidencePermitGranted', time, { permitType: 'temporary', ground: 'refugee' });
const settled = (time = '2023-08-01T09:00:00Z', code = '2281') => ev('SettledInMunicipality', time, { municipalityCode: code, arrangement: 'assigned' });

describe('read-model folds', () => {
  beforeEach(() => {
    version = 0;
  });

  it('settlement queue: listed with a permit, off when settled, back when the settlement is retracted', () => {
    const s = settled();
    const assigned = ev('MunicipalityAssigned', '2023-06-15T09:00:00Z', { municipalityCode: '2281' });
    const waiting = fold(settlementQueueSpec, [opened(), permit(), assigned]);
    expect(waiting.derived?.columns.permit_at).toBe('2023-06-01T09:00:00.000Z');
    expect(waiting.derived?.detail).toMatchObject({ assignedMunicipalityCode: '2281', assignedAt: '2023-06-15T09:00:00.000Z' });
    expect(waiting.placement).toMatchObject({ openAssignment: '2281', residenceMunicipality: null });
    const done = evolvePersonRow(settlementQueueSpec, waiting, s);
    expect(done.derived).toBeNull();
    expect(done.placement).toMatchObject({ openAssignment: null, residenceMunicipality: '2281', residenceCounty: '22' });
    const retraction = ev('EventRetracted', '2023-09-01T00:00:00Z', { eventId: s.eventId, reason: 'wrong person' }, s.source);
    const back = evolvePersonRow(settlementQueueSpec, done, retraction);
    expect(back.derived).not.toBeNull();
    expect(back.history.map((e) => e.type)).toEqual(['MigrationCaseOpened', 'ResidencePermitGranted', 'MunicipalityAssigned']);
  });

  it('a refusal after the permit takes the person off the queue; a late-reported earlier permit does not', () => {
    const refused = fold(settlementQueueSpec, [opened(), permit(), ev('ResidencePermitRefused', '2023-07-01T00:00:00Z')]);
    expect(refused.derived).toBeNull();
    const late = fold(settlementQueueSpec, [opened(), ev('ResidencePermitRefused', '2023-07-01T00:00:00Z'), permit('2023-03-01T00:00:00Z')]);
    expect(late.derived).toBeNull();
  });

  it('keeps no personnummer, no citizenship and no health facts in a row, nor in the history it folds', () => {
    const row = fold(residentsSpec, [
      opened(),
      ev('PopulationRegistered', '2023-07-01T00:00:00Z', { personalIdentityNumber: '199001011239', municipalityCode: '2281' }),
      ev('HealthExaminationOffered', '2023-07-02T00:00:00Z'),
    ]);
    for (const kept of [JSON.stringify(row.history), JSON.stringify({ placement: row.placement, derived: row.derived })]) {
      expect(kept).not.toContain('199001011239');
      expect(kept).not.toContain('SYR');
      expect(kept).not.toContain('HealthExamination');
    }
    expect(row.placement.mandates).toBe('|migrationsverket|skatteverket|');
  });

  it('establishment: open activities of an active participant; none once the programme ends', () => {
    const start = ev('EstablishmentProgrammeStarted', '2023-09-01T00:00:00Z', { plannedEndDate: '2025-08-31' });
    const row = fold(establishmentSpec, [
      opened(), permit(), settled(), start,
      ev('InternshipStarted', '2024-01-10T00:00:00Z', { occupation: '5321', sector: 'private' }),
      ev('EducationStarted', '2024-02-01T00:00:00Z', { level: 'vocational' }),
      ev('EducationEnded', '2024-03-01T00:00:00Z', { completed: true }),
    ]);
    const detail = row.derived?.detail as EstablishmentDetail;
    expect(detail.activities.map((a) => a.kind)).toEqual(['internship']);
    expect(row.derived?.columns.planned_end).toBe('2025-08-31');
    const ended = evolvePersonRow(establishmentSpec, row, ev('EstablishmentProgrammeEnded', '2024-06-01T00:00:00Z', { reason: 'employment' }));
    expect(ended.derived).toBeNull();
    const retracted = evolvePersonRow(establishmentSpec, ended, ev('EventRetracted', '2024-07-01T00:00:00Z', { eventId: start.eventId, reason: 'x' }, start.source));
    expect(retracted.derived).toBeNull();
  });

  it('residents: the status of each step', () => {
    const row = fold(residentsSpec, [
      opened(), permit(), settled(),
      ev('SfiEnrolled', '2023-09-01T00:00:00Z', { studyPath: 2, course: 'B' }),
      ev('SfiCoursePassed', '2024-01-01T00:00:00Z', { course: 'B', grade: 'C' }),
      ev('CivicOrientationStarted', '2023-09-10T00:00:00Z', { language: 'ar', plannedHours: 100 }),
      ev('InternshipStarted', '2024-02-01T00:00:00Z', { occupation: '5321', sector: 'public' }),
      ev('InternshipEnded', '2024-04-01T00:00:00Z'),
      ev('EmploymentStarted', '2024-05-01T00:00:00Z', { occupation: '5321', form: 'regular' }),
    ]);
    const { steps, arrangement } = row.derived?.detail as ResidentDetail;
    expect(arrangement).toBe('assigned');
    expect(steps).toEqual({
      sfi: { status: 'passed', since: '2024-01-01T00:00:00.000Z', course: 'B', grade: 'C' },
      civicOrientation: { status: 'started', since: '2023-09-10T00:00:00.000Z' },
      programme: { status: 'not-started', since: null },
      internship: { status: 'ended', since: '2024-04-01T00:00:00.000Z' },
      work: { status: 'employed', since: '2024-05-01T00:00:00.000Z' },
    });
  });

  it('chain gaps: settlement opens the SFI, civic orientation and programme hand-offs; steps close them', () => {
    const row = fold(chainGapsSpec, [opened(), permit(), settled()]);
    expect((row.derived?.detail as GapAnchor[]).map((g) => g.code).sort()).toEqual(['settlement-to-civic-orientation', 'settlement-to-programme', 'settlement-to-sfi']);
    const enrolled = evolvePersonRow(chainGapsSpec, row, ev('SfiEnrolled', '2023-09-01T00:00:00Z', { studyPath: 1, course: 'A' }));
    expect((enrolled.derived?.detail as GapAnchor[]).map((g) => g.code)).not.toContain('settlement-to-sfi');
  });

  it('chain gaps: no programme gap for temporary protection or outside ages 20–64', () => {
    const tp = ev('MigrationCaseOpened', '2023-01-10T10:00:00Z', { route: 'temporary-protection', birthYear: 1990, gender: 'male', citizenship: 'UKR' });
    const codes = (events: StoredEvent[]) => openGaps(factsOf(fold(chainGapsSpec, events).history), []).map((g) => g.code);
    expect(codes([tp, permit(), settled()])).not.toContain('settlement-to-programme');
    version = 0;
    const old = ev('MigrationCaseOpened', '2023-01-10T10:00:00Z', { route: 'asylum', birthYear: 1950, gender: 'male', citizenship: 'IRQ' });
    expect(codes([old, permit(), settled()])).not.toContain('settlement-to-programme');
  });

  it('chain gaps: programme ending without outcome, and without activity counted from the last activity', () => {
    const row = fold(chainGapsSpec, [
      opened(), permit(), settled(),
      ev('EstablishmentProgrammeStarted', '2023-09-01T00:00:00Z', { plannedEndDate: '2025-08-31' }),
      ev('InternshipStarted', '2023-10-01T00:00:00Z', { occupation: '5321', sector: 'private' }),
      ev('InternshipEnded', '2023-12-01T00:00:00Z'),
    ]);
    const gaps = row.derived?.detail as GapAnchor[];
    expect(gaps).toEqual(expect.arrayContaining([
      { code: 'programme-ending-without-outcome', anchor: '2025-08-31T00:00:00.000Z' },
      { code: 'programme-without-activity', anchor: '2023-12-01T00:00:00.000Z' },
    ]));
    const now = Date.parse('2025-07-15T00:00:00Z');
    const ending = gaps.find((g) => g.code === 'programme-ending-without-outcome')!;
    expect(isPastThreshold(ending, { days: 60 }, now)).toBe(true);
    expect(isPastThreshold(ending, { days: 30 }, now)).toBe(false);
    expect(gapAge(ending, { days: 60 }, now)).toEqual({ since: '2025-07-02T00:00:00.000Z', daysOpen: 13 });
  });

  it('thresholds in months follow the calendar; settings parse as 60d or 2m', () => {
    expect(anchorCutoff('assignment-to-settlement', { months: 2 }, Date.parse('2024-04-30T12:00:00Z'))).toBe('2024-02-29T12:00:00.000Z');
    expect(parseThreshold('60d')).toEqual({ days: 60 });
    expect(parseThreshold('2m')).toEqual({ months: 2 });
    expect(parseThreshold('2 months')).toBeNull();
  });

  it('county overview: attribution, steps and data-quality anomalies', () => {
    const row = fold(countyOverviewSpec, [
      opened(), permit(), settled('2023-08-01T09:00:00Z', '2281'),
      ev('SfiEnrolled', '2023-09-01T00:00:00Z', { studyPath: 2, course: 'B' }),
      ev('MovedToMunicipality', '2024-01-01T00:00:00Z', { municipalityCode: '0180' }),
    ]);
    expect(row.derived?.columns).toEqual({ municipality_code: '2281', county_code: '22', assigned_county: null, current_county: '01' });
    const d = row.derived?.detail as OverviewDetail;
    expect(d).toMatchObject({ settledAt: '2023-08-01T09:00:00.000Z', sfiAt: '2023-09-01T00:00:00.000Z', arrangement: 'assigned', currentMunicipalityCode: '0180' });
    version = 0;
    const odd = factsOf(fold(countyOverviewSpec, [
      ev('MigrationCaseOpened', '2023-05-01T00:00:00Z', { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR' }),
      permit('2023-04-01T00:00:00Z'),
      ev('EmploymentStarted', '2023-06-01T00:00:00Z', { occupation: '5321', form: 'regular' }),
    ]).history);
    expect(anomaliesOf(odd).sort()).toEqual(['permit-before-case-opened', 'work-without-settlement']);
  });
});
