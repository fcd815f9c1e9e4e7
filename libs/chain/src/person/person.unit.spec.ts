import { parseActor } from '../actors/actor';
import { EVENT_TYPES, EXAMPLES, type EventType } from '../catalogue';
import { decide, type Decision } from './decide';
import { evolve, foldPerson } from './evolve';
import { effectiveEvents, factsAsOf } from './facts';
import type { PersonState, RecordedEvent } from './state';
import { initialState } from './state';
import { summarise } from './summarise';

let seq = 0;
const SOURCES: Record<string, string> = {
  migrationsverket: 'urn:se:migrationsverket',
  skatteverket: 'urn:se:skatteverket',
  arbetsformedlingen: 'urn:se:af',
  forsakringskassan: 'urn:se:fk',
};
const sourceOf = (actor: string) => SOURCES[actor] ?? `urn:se:${actor}`;

function ev(type: EventType, data: object, actor: string, time: string, extra: { eventId?: string; source?: string } = {}): RecordedEvent {
  return { type, data, actor, time, eventId: extra.eventId ?? `e${++seq}`, source: extra.source ?? sourceOf(actor) } as RecordedEvent;
}

const MV = 'migrationsverket';
const SKV = 'skatteverket';
const AF = 'arbetsformedlingen';
const FK = 'forsakringskassan';
const SUNDSVALL = 'municipality:2281';
const STOCKHOLM = 'municipality:0180';

const opened = (time = '2020-01-10T10:00:00+01:00') => ev('MigrationCaseOpened', EXAMPLES.MigrationCaseOpened, MV, time);
const registeredIn = (code: string, time: string) =>
  ev('PopulationRegistered', { personalIdentityNumber: '199001159806', municipalityCode: code }, SKV, time);

function when(
  state: PersonState,
  type: EventType,
  data: object,
  actor: string,
  time = '2021-06-01T10:00:00+02:00',
  extra: { eventId?: string; source?: string } = {},
): Decision {
  const parsed = parseActor(actor);
  if (!parsed) throw new Error(`bad actor ${actor}`);
  return decide(
    { type, data, actor: parsed, time, now: '2025-01-01T00:00:00Z', eventId: extra.eventId ?? `c${++seq}`, source: extra.source ?? sourceOf(actor) } as any,
    state,
  );
}

const given = (...events: RecordedEvent[]) => foldPerson(events);
const code = (d: Decision) => (d.ok ? 'ok' : d.code);

/** A person registered and settled in Sundsvall with a permit: every actor's scope is met. */
const inSundsvall = () =>
  given(
    opened(),
    ev('ResidencePermitGranted', { permitType: 'temporary', ground: 'refugee' }, MV, '2020-06-01T10:00:00+02:00'),
    registeredIn('2281', '2020-07-01T10:00:00+02:00'),
    ev('SettledInMunicipality', { municipalityCode: '2281', arrangement: 'self-arranged' }, SUNDSVALL, '2020-07-02T10:00:00+02:00'),
  );

describe('MigrationCaseOpened', () => {
  it('creates the person: given nothing, when MV opens a case, then it is recorded with the actor code', () => {
    const d = when(initialState, 'MigrationCaseOpened', EXAMPLES.MigrationCaseOpened, MV);
    expect(d.ok).toBe(true);
    if (d.ok) expect(d.events[0]).toMatchObject({ type: 'MigrationCaseOpened', actor: 'migrationsverket', source: 'urn:se:migrationsverket' });
  });

  it('given an existing person, when a case is opened again, then subject-exists', () => {
    expect(code(when(given(opened()), 'MigrationCaseOpened', EXAMPLES.MigrationCaseOpened, MV))).toBe('subject-exists');
  });
});

describe('posting permissions by actor kind', () => {
  const postedBy: Record<Exclude<EventType, 'EventRetracted'>, string[]> = {
    MigrationCaseOpened: [MV],
    ReceptionHousingAssigned: [MV],
    ResidencePermitGranted: [MV],
    ResidencePermitRefused: [MV],
    MunicipalityAssigned: [MV],
    MigrationCaseClosed: [MV],
    PopulationRegistered: [SKV],
    MovedToMunicipality: [SKV],
    SettledInMunicipality: [SUNDSVALL],
    SfiEnrolled: [SUNDSVALL],
    SfiCoursePassed: [SUNDSVALL],
    SfiDiscontinued: [SUNDSVALL],
    CivicOrientationStarted: [SUNDSVALL],
    CivicOrientationCompleted: [SUNDSVALL],
    HealthExaminationOffered: ['region:22'],
    HealthExaminationCompleted: ['region:22'],
    EstablishmentProgrammeStarted: [AF],
    EstablishmentProgrammeEnded: [AF],
    EstablishmentAllowanceGranted: [FK],
    CompetenceMapped: [AF],
    InternshipStarted: [AF, SUNDSVALL],
    InternshipEnded: [AF, SUNDSVALL],
    ValidationStarted: [AF, SUNDSVALL],
    ValidationCompleted: [AF, SUNDSVALL],
    EducationStarted: [AF, SUNDSVALL],
    EducationEnded: [AF, SUNDSVALL],
    EmploymentStarted: [AF],
    EmploymentEnded: [AF],
    BusinessStarted: [AF],
  };
  const actors = [MV, SKV, SUNDSVALL, 'region:22', AF, FK, 'county:22', 'analyst', 'platform'];

  for (const type of EVENT_TYPES.filter((t) => t !== 'EventRetracted' && t !== 'MigrationCaseOpened') as (keyof typeof postedBy)[]) {
    it(`${type}: posted by ${postedBy[type].join(', ')} only`, () => {
      const state = inSundsvall();
      const data = type === 'SettledInMunicipality' ? { municipalityCode: '2281', arrangement: 'assigned' } : EXAMPLES[type];
      for (const actor of actors) {
        const c = code(when(state, type, data, actor));
        if (postedBy[type].includes(actor)) expect([actor, c]).not.toEqual([actor, 'not-permitted']);
        else expect([actor, c]).toEqual([actor, 'not-permitted']);
      }
    });
  }
});

describe('municipality scope', () => {
  it('given a person in Sundsvall, when Stockholm settles them in Sundsvall, then not-permitted', () => {
    expect(code(when(inSundsvall(), 'SettledInMunicipality', { municipalityCode: '2281', arrangement: 'assigned' }, STOCKHOLM))).toBe('not-permitted');
  });

  it('given a person in Sundsvall, when Stockholm reports settlement in Stockholm, then recorded', () => {
    expect(code(when(inSundsvall(), 'SettledInMunicipality', { municipalityCode: '0180', arrangement: 'self-arranged' }, STOCKHOLM))).toBe('ok');
  });

  it('given a person in Sundsvall, when Stockholm reports SFI, then unknown-subject, as for nobody', () => {
    expect(code(when(inSundsvall(), 'SfiEnrolled', { studyPath: 1, course: 'A' }, STOCKHOLM))).toBe('unknown-subject');
    expect(code(when(inSundsvall(), 'InternshipStarted', EXAMPLES.InternshipStarted, STOCKHOLM))).toBe('unknown-subject');
  });

  it('given a person only assigned to Sundsvall, when Sundsvall reports SFI, then recorded', () => {
    const state = given(opened(), ev('MunicipalityAssigned', { municipalityCode: '2281' }, MV, '2020-05-01T10:00:00+02:00'));
    expect(code(when(state, 'SfiEnrolled', { studyPath: 1, course: 'A' }, SUNDSVALL))).toBe('ok');
    expect(code(when(state, 'SfiEnrolled', { studyPath: 1, course: 'A' }, STOCKHOLM))).toBe('unknown-subject');
  });

  it('given a person who moved from Sundsvall to Stockholm, then Stockholm may report, Sundsvall only for the time before the move', () => {
    const state = evolve(inSundsvall(), ev('MovedToMunicipality', { municipalityCode: '0180' }, SKV, '2021-01-01T10:00:00+01:00'));
    expect(code(when(state, 'SfiEnrolled', { studyPath: 1, course: 'A' }, STOCKHOLM, '2021-02-01T10:00:00+01:00'))).toBe('ok');
    expect(code(when(state, 'SfiEnrolled', { studyPath: 1, course: 'A' }, SUNDSVALL, '2021-02-01T10:00:00+01:00'))).toBe('unknown-subject');
    expect(code(when(state, 'SfiEnrolled', { studyPath: 1, course: 'A' }, SUNDSVALL, '2020-09-01T10:00:00+02:00'))).toBe('ok');
  });

  it('given a person with no municipality, when a municipality reports SFI, then unknown-subject', () => {
    expect(code(when(given(opened()), 'SfiEnrolled', { studyPath: 1, course: 'A' }, SUNDSVALL))).toBe('unknown-subject');
  });
});

describe('region scope', () => {
  it('given a person registered in Sundsvall (county 22), then region 22 may post and region 01 may not', () => {
    const state = given(opened(), registeredIn('2281', '2020-07-01T10:00:00+02:00'));
    expect(code(when(state, 'HealthExaminationOffered', {}, 'region:22'))).toBe('ok');
    expect(code(when(state, 'HealthExaminationOffered', {}, 'region:01'))).toBe('unknown-subject');
  });

  it('given a person settled in Timrå (county 22) but not registered, then region 22 may post', () => {
    const state = given(opened(), ev('SettledInMunicipality', { municipalityCode: '2262', arrangement: 'assigned' }, 'municipality:2262', '2020-07-01T10:00:00+02:00'));
    expect(code(when(state, 'HealthExaminationCompleted', {}, 'region:22'))).toBe('ok');
  });

  it('given a person only assigned to Sundsvall, then the region may not post yet', () => {
    const state = given(opened(), ev('MunicipalityAssigned', { municipalityCode: '2281' }, MV, '2020-05-01T10:00:00+02:00'));
    expect(code(when(state, 'HealthExaminationOffered', {}, 'region:22'))).toBe('unknown-subject');
  });
});

describe('recording rules: ending something not open', () => {
  const cases: Array<[EventType, object, EventType, object, string]> = [
    ['InternshipStarted', EXAMPLES.InternshipStarted, 'InternshipEnded', {}, AF],
    ['EmploymentStarted', EXAMPLES.EmploymentStarted, 'EmploymentEnded', {}, AF],
    ['EducationStarted', EXAMPLES.EducationStarted, 'EducationEnded', { completed: true }, AF],
    ['ValidationStarted', EXAMPLES.ValidationStarted, 'ValidationCompleted', { outcome: 'full' }, AF],
    ['EstablishmentProgrammeStarted', { plannedEndDate: '2022-01-01' }, 'EstablishmentProgrammeEnded', { reason: 'employment' }, AF],
    ['CivicOrientationStarted', EXAMPLES.CivicOrientationStarted, 'CivicOrientationCompleted', { hours: 100 }, SUNDSVALL],
  ];
  it.each(cases)('given nothing open, when %s ends, then rule-violation; given it open, then recorded', (start, startData, end, endData, actor) => {
    const state = inSundsvall();
    const rejected = when(state, end, endData, actor);
    expect(rejected).toMatchObject({ ok: false, code: 'rule-violation' });
    const open = evolve(state, ev(start, startData, actor, '2021-03-01T10:00:00+01:00'));
    expect(code(when(open, end, endData, actor))).toBe('ok');
    const closed = evolve(open, ev(end, endData, actor, '2021-06-01T10:00:00+02:00'));
    expect(code(when(closed, end, endData, actor, '2021-07-01T10:00:00+02:00'))).toBe('rule-violation');
  });

  it('given an employment started in March, when it ends in February, then rule-violation', () => {
    const state = evolve(inSundsvall(), ev('EmploymentStarted', EXAMPLES.EmploymentStarted, AF, '2021-03-01T10:00:00+01:00'));
    expect(code(when(state, 'EmploymentEnded', {}, AF, '2021-02-01T10:00:00+01:00'))).toBe('rule-violation');
  });

  it('given two open employments, then two ends are accepted and a third is not', () => {
    let state = inSundsvall();
    state = evolve(state, ev('EmploymentStarted', EXAMPLES.EmploymentStarted, AF, '2021-03-01T10:00:00+01:00'));
    expect(code(when(state, 'EmploymentStarted', EXAMPLES.EmploymentStarted, AF, '2021-04-01T10:00:00+02:00'))).toBe('ok');
    state = evolve(state, ev('EmploymentStarted', { occupation: '9111', form: 'extra-job' }, AF, '2021-04-01T10:00:00+02:00'));
    state = evolve(state, ev('EmploymentEnded', {}, AF, '2021-05-01T10:00:00+02:00'));
    expect(state.facts.employments.map((e) => e.data.occupation)).toEqual(['9111']);
    state = evolve(state, ev('EmploymentEnded', {}, AF, '2021-05-02T10:00:00+02:00'));
    expect(code(when(state, 'EmploymentEnded', {}, AF, '2021-05-03T10:00:00+02:00'))).toBe('rule-violation');
  });
});

describe('recording rules: starting something already open', () => {
  it.each([
    ['EstablishmentProgrammeStarted', { plannedEndDate: '2022-06-01' }, 'EstablishmentProgrammeEnded', { reason: 'other' }, AF],
    ['CivicOrientationStarted', EXAMPLES.CivicOrientationStarted, 'CivicOrientationCompleted', { hours: 60 }, SUNDSVALL],
  ] as Array<[EventType, object, EventType, object, string]>)('given %s open, when started again, then rule-violation; after it ended, recorded', (start, data, end, endData, actor) => {
    const open = evolve(inSundsvall(), ev(start, data, actor, '2021-01-01T10:00:00+01:00'));
    expect(when(open, start, data, actor)).toMatchObject({ ok: false, code: 'rule-violation' });
    const ended = evolve(open, ev(end, endData, actor, '2021-05-01T10:00:00+02:00'));
    expect(code(when(ended, start, data, actor))).toBe('ok');
  });

  it('given a programme from January to June, when a late report starts one in 2020, then it would break the later start: rule-violation', () => {
    let state = evolve(inSundsvall(), ev('EstablishmentProgrammeStarted', { plannedEndDate: '2022-06-01' }, AF, '2021-01-01T10:00:00+01:00'));
    state = evolve(state, ev('EstablishmentProgrammeEnded', { reason: 'employment' }, AF, '2021-06-01T10:00:00+02:00'));
    const d = when(state, 'EstablishmentProgrammeStarted', { plannedEndDate: '2021-12-01' }, AF, '2020-12-01T10:00:00+01:00');
    expect(d).toMatchObject({ ok: false, code: 'rule-violation' });
    expect(code(when(state, 'EstablishmentProgrammeEnded', { reason: 'other' }, AF, '2021-03-01T10:00:00+01:00'))).toBe('rule-violation');
    expect(code(when(state, 'EstablishmentProgrammeStarted', { plannedEndDate: '2022-12-01' }, AF, '2021-07-01T10:00:00+02:00'))).toBe('ok');
  });
});

describe('recording rules: a late report that breaks a later event names only what the poster may know', () => {
  // Sundsvall enrols the person in B; they move to Stockholm, which reports B passed. Sundsvall's
  // timeline stops at the move, so Stockholm's pass is an event it may not see. A late report from
  // Sundsvall that B was discontinued before the move breaks that pass: the refusal must not tell
  // Sundsvall the pass's type, time or the rule it breaks.
  const moved = () => {
    let state = evolve(inSundsvall(), ev('SfiEnrolled', { studyPath: 2, course: 'B' }, SUNDSVALL, '2020-09-01T10:00:00+02:00'));
    state = evolve(state, ev('MovedToMunicipality', { municipalityCode: '0180' }, SKV, '2021-01-01T10:00:00+01:00'));
    return evolve(state, ev('SfiCoursePassed', { course: 'B', grade: 'A' }, STOCKHOLM, '2021-03-01T10:00:00+01:00'));
  };

  it("given another agency's later event, then the detail names nothing of it", () => {
    const d = when(moved(), 'SfiDiscontinued', { course: 'B', reason: 'work' }, SUNDSVALL, '2020-10-01T10:00:00+02:00');
    expect(d).toEqual({ ok: false, code: 'rule-violation', detail: "SfiDiscontinued at this time would leave a later event in the person's record invalid" });
    if (d.ok) return;
    expect(d.detail).not.toMatch(/SfiCoursePassed|2021|enrolled|course/);
  });

  it('given its own later event, then the poster is told which one and why', () => {
    const d = when(moved(), 'SfiDiscontinued', { course: 'B', reason: 'work' }, STOCKHOLM, '2021-02-01T10:00:00+01:00');
    expect(d).toMatchObject({ ok: false, code: 'rule-violation' });
    if (d.ok) return;
    expect(d.detail).toBe('SfiDiscontinued at this time would leave your later SfiCoursePassed of 2021-03-01T10:00:00+01:00 invalid: the person is not enrolled in SFI course B');
  });
});

describe('recording rules: SFI enrolment', () => {
  it('given no enrolment, when a course is passed or discontinued, then rule-violation', () => {
    expect(code(when(inSundsvall(), 'SfiCoursePassed', { course: 'B', grade: 'C' }, SUNDSVALL))).toBe('rule-violation');
    expect(code(when(inSundsvall(), 'SfiDiscontinued', { course: 'B', reason: 'work' }, SUNDSVALL))).toBe('rule-violation');
  });

  it('given enrolment in B, then B may be passed once; C is not enrolled until reported', () => {
    let state = evolve(inSundsvall(), ev('SfiEnrolled', { studyPath: 2, course: 'B' }, SUNDSVALL, '2020-09-01T10:00:00+02:00'));
    expect(code(when(state, 'SfiCoursePassed', { course: 'C', grade: 'A' }, SUNDSVALL))).toBe('rule-violation');
    expect(code(when(state, 'SfiCoursePassed', { course: 'B', grade: 'A' }, SUNDSVALL))).toBe('ok');
    state = evolve(state, ev('SfiCoursePassed', { course: 'B', grade: 'A' }, SUNDSVALL, '2021-01-01T10:00:00+01:00'));
    expect(code(when(state, 'SfiCoursePassed', { course: 'B', grade: 'A' }, SUNDSVALL))).toBe('rule-violation');
    expect(code(when(state, 'SfiDiscontinued', { course: 'B', reason: 'work' }, SUNDSVALL))).toBe('rule-violation');
    state = evolve(state, ev('SfiEnrolled', { studyPath: 2, course: 'C' }, SUNDSVALL, '2021-01-10T10:00:00+01:00'));
    expect(code(when(state, 'SfiDiscontinued', { course: 'C', reason: 'moved' }, SUNDSVALL))).toBe('ok');
    expect(state.facts.sfi.passed).toEqual([{ at: '2021-01-01T10:00:00+01:00', course: 'B', grade: 'A' }]);
    expect(state.facts.sfi.enrolled.map((e) => e.course)).toEqual(['C']);
    expect(state.facts.sfi.firstEnrolledAt).toBe('2020-09-01T10:00:00+02:00');
  });

  it('given a pass reported before its enrolment time, then rule-violation', () => {
    const state = evolve(inSundsvall(), ev('SfiEnrolled', { studyPath: 1, course: 'A' }, SUNDSVALL, '2021-03-01T10:00:00+01:00'));
    expect(code(when(state, 'SfiCoursePassed', { course: 'A', grade: 'E' }, SUNDSVALL, '2021-02-01T10:00:00+01:00'))).toBe('rule-violation');
  });
});

describe('facts from different agencies are not checked against each other', () => {
  it('given a permit and nothing else, when AF reports employment, then recorded', () => {
    const permitted = () => given(opened(), ev('ResidencePermitGranted', { permitType: 'temporary', ground: 'refugee' }, MV, '2020-06-01T10:00:00+02:00'));
    expect(code(when(permitted(), 'EmploymentStarted', EXAMPLES.EmploymentStarted, AF))).toBe('ok');
    const inProgramme = evolve(permitted(), ev('EstablishmentProgrammeStarted', { plannedEndDate: '2022-06-01' }, AF, '2020-07-01T10:00:00+02:00'));
    expect(code(when(inProgramme, 'EstablishmentAllowanceGranted', { extentPercent: 100 }, FK))).toBe('ok');
  });

  it('given only an open asylum case, when AF or FK report, then unknown-subject: neither may bring a person into its own scope', () => {
    expect(code(when(given(opened()), 'EmploymentStarted', EXAMPLES.EmploymentStarted, AF))).toBe('unknown-subject');
    expect(code(when(given(opened()), 'EstablishmentAllowanceGranted', { extentPercent: 100 }, FK))).toBe('unknown-subject');
  });
});

describe('EventRetracted', () => {
  const employed = () => {
    const start = ev('EmploymentStarted', EXAMPLES.EmploymentStarted, AF, '2021-03-01T10:00:00+01:00', { eventId: 'job-1' });
    return evolve(inSundsvall(), start);
  };
  const retract = (eventId: string) => ({ eventId, reason: 'posted on the wrong person' });

  it('given an event, when the same actor and source retract it, then recorded and its effects vanish', () => {
    const state = employed();
    expect(summarise(state).phase).toBe('employed');
    const d = when(state, 'EventRetracted', retract('job-1'), AF, '2021-04-01T10:00:00+02:00');
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    const after = evolve(state, d.events[0]);
    expect(after.facts.employments).toEqual([]);
    expect(after.facts.firstEmploymentAt).toBeUndefined();
    expect(summarise(after).phase).toBe('settled');
    expect(effectiveEvents(after).map((e) => e.eventId)).not.toContain('job-1');
    expect(after.history).toHaveLength(state.history.length + 1);
    expect(code(when(after, 'EmploymentEnded', {}, AF))).toBe('rule-violation');
  });

  it('given an event from another source, when retracted under a source with nothing about the person, then unknown-subject', () => {
    expect(code(when(employed(), 'EventRetracted', retract('job-1'), AF, undefined, { source: 'urn:se:af:other' }))).toBe('unknown-subject');
  });

  it('given an unknown id, when retracted, then rule-violation', () => {
    expect(code(when(employed(), 'EventRetracted', retract('nope'), AF))).toBe('rule-violation');
  });

  it('given an event posted by another actor under the same source, when retracted, then not-permitted', () => {
    expect(code(when(employed(), 'EventRetracted', retract('job-1'), MV, undefined, { source: 'urn:se:af' }))).toBe('not-permitted');
  });

  it('given an actor that posts nothing, when it retracts, then not-permitted', () => {
    expect(code(when(employed(), 'EventRetracted', retract('job-1'), 'analyst', undefined, { source: 'urn:se:af' }))).toBe('not-permitted');
  });

  it('given an already retracted event, when retracted again, then rule-violation; a retraction cannot be retracted', () => {
    const state = evolve(employed(), ev('EventRetracted', retract('job-1'), AF, '2021-04-01T10:00:00+02:00', { eventId: 'r-1' }));
    expect(code(when(state, 'EventRetracted', retract('job-1'), AF))).toBe('rule-violation');
    expect(code(when(state, 'EventRetracted', retract('r-1'), AF))).toBe('rule-violation');
  });

  it('given a retracted programme start, when a new programme starts, then recorded', () => {
    let state = evolve(inSundsvall(), ev('EstablishmentProgrammeStarted', { plannedEndDate: '2022-06-01' }, AF, '2021-01-01T10:00:00+01:00', { eventId: 'p-1' }));
    state = evolve(state, ev('EventRetracted', retract('p-1'), AF, '2021-01-05T10:00:00+01:00'));
    expect(state.facts.programme.open).toBeUndefined();
    expect(code(when(state, 'EstablishmentProgrammeStarted', { plannedEndDate: '2022-06-01' }, AF))).toBe('ok');
  });

  it('given a retracted settlement, then the municipality falls back to the registration', () => {
    let state = given(opened(), registeredIn('2281', '2020-07-01T10:00:00+02:00'));
    state = evolve(state, ev('SettledInMunicipality', { municipalityCode: '0180', arrangement: 'assigned' }, STOCKHOLM, '2020-08-01T10:00:00+02:00', { eventId: 's-1' }));
    expect(summarise(state)).toEqual({ phase: 'settled', municipalityCode: '0180', countyCode: '01' });
    state = evolve(state, ev('EventRetracted', retract('s-1'), STOCKHOLM, '2020-09-01T10:00:00+02:00'));
    expect(summarise(state)).toEqual({ phase: 'asylum', municipalityCode: '2281', countyCode: '22' });
  });
});

describe('evolve', () => {
  it('orders facts by event time when history is reported late', () => {
    let state = given(opened(), registeredIn('2281', '2020-07-01T10:00:00+02:00'));
    state = evolve(state, ev('MovedToMunicipality', { municipalityCode: '0780' }, SKV, '2022-01-01T10:00:00+01:00'));
    state = evolve(state, ev('MovedToMunicipality', { municipalityCode: '1480' }, SKV, '2021-01-01T10:00:00+01:00'));
    expect(state.facts.municipalityCode).toBe('0780');
    expect(state.facts.municipalityHistory.map((m) => m.municipalityCode)).toEqual(['2281', '1480', '0780']);
    expect(factsAsOf(state, '2021-06-01T00:00:00Z').municipalityCode).toBe('1480');
    expect(state.version).toBe(4);
  });

  it('keeps the derived dates views need', () => {
    let state = inSundsvall();
    state = evolve(state, ev('EstablishmentProgrammeStarted', { plannedEndDate: '2022-08-01' }, AF, '2020-08-01T10:00:00+02:00'));
    expect(state.facts).toMatchObject({
      caseOpenedAt: '2020-01-10T10:00:00+01:00',
      firstPermitAt: '2020-06-01T10:00:00+02:00',
      firstSettledAt: '2020-07-02T10:00:00+02:00',
      populationRegisteredAt: '2020-07-01T10:00:00+02:00',
      residenceMunicipalityCode: '2281',
      programme: { open: { startedAt: '2020-08-01T10:00:00+02:00', plannedEndDate: '2022-08-01' } },
    });
    expect(JSON.stringify(state.facts)).not.toContain('199001159806');
  });
});

describe('summarise', () => {
  const at = (m: number) => `2021-${String(m).padStart(2, '0')}-01T10:00:00+01:00`;
  it.each([
    ['asylum', [opened()]],
    ['refused', [opened(), ev('ResidencePermitRefused', {}, MV, at(2))]],
    ['permit', [opened(), ev('ResidencePermitRefused', {}, MV, at(2)), ev('ResidencePermitGranted', EXAMPLES.ResidencePermitGranted, MV, at(3))]],
    ['settled', [opened(), ev('SettledInMunicipality', { municipalityCode: '2281', arrangement: 'assigned' }, SUNDSVALL, at(2))]],
    ['establishment', [opened(), ev('EstablishmentProgrammeStarted', { plannedEndDate: '2022-01-01' }, AF, at(2)), ev('EducationStarted', { level: 'adult-basic' }, AF, at(3))]],
    ['studying', [opened(), ev('EducationStarted', { level: 'higher' }, AF, at(3))]],
    ['business', [opened(), ev('BusinessStarted', {}, AF, at(3))]],
    ['employed', [opened(), ev('BusinessStarted', {}, AF, at(3)), ev('EmploymentStarted', EXAMPLES.EmploymentStarted, AF, at(4))]],
    ['left', [opened(), ev('EmploymentStarted', EXAMPLES.EmploymentStarted, AF, at(4)), ev('MigrationCaseClosed', { reason: 'left-sweden' }, MV, at(5))]],
    ['left', [opened(), ev('EstablishmentProgrammeStarted', { plannedEndDate: '2022-01-01' }, AF, at(2)), ev('EstablishmentProgrammeEnded', { reason: 'moved-abroad' }, AF, at(3))]],
    ['settled', [opened(), ev('SettledInMunicipality', { municipalityCode: '2281', arrangement: 'assigned' }, SUNDSVALL, at(2)), ev('MigrationCaseClosed', { reason: 'citizenship' }, MV, at(5))]],
  ] as Array<[string, RecordedEvent[]]>)('phase %s', (phase, events) => {
    expect(summarise(given(...events)).phase).toBe(phase);
  });

  it('gives null municipality and county when none is known', () => {
    expect(summarise(initialState)).toEqual({ phase: 'asylum', municipalityCode: null, countyCode: null });
  });
});
