import { countyOfMunicipality } from '../code-lists/municipalities';
import { instant } from '../catalogue/dates';
import type { MunicipalityLink, PersonFacts, PersonState, RecordedEvent } from './state';
import { EMPTY_FACTS } from './state';

export interface StepResult {
  readonly facts: PersonFacts;
  /** Set when the event breaks a recording rule against the facts before it; the facts are then unchanged. */
  readonly violation?: string;
}

function linkMunicipality(f: PersonFacts, at: string, municipalityCode: string, link: MunicipalityLink): PersonFacts {
  const municipalityHistory = [...f.municipalityHistory, { at, municipalityCode, link }];
  const residence = link === 'assigned' ? f.residenceMunicipalityCode : municipalityCode;
  return {
    ...f,
    municipalityHistory,
    municipalityCode,
    residenceMunicipalityCode: residence,
    countyCode: countyOfMunicipality(municipalityCode),
  };
}

/**
 * Applies one fact. Recording rules (CONTRACT.md) are checked here so that decide and a replay
 * agree: ending what is not open, starting a programme or civic orientation already open, and
 * passing or discontinuing an SFI course the person is not enrolled in.
 *
 * SFI enrolment is per course: SfiEnrolled(course) enrols in that course (enrolling again in a
 * course already enrolled in only updates it); SfiCoursePassed and SfiDiscontinued end that
 * course's enrolment. Passing does not enrol in the next course: the municipality reports the next
 * enrolment itself, since a pass may also end the person's SFI studies.
 *
 * Several internships, validations, educations or employments may be open at once; their end
 * events carry no reference, so an end closes the earliest-started open one.
 */
export function step(f: PersonFacts, e: RecordedEvent): StepResult {
  const at = e.time;
  // Every case passes a fresh object literal, so stamping it saves a second copy of the facts.
  const facts = (next: PersonFacts): StepResult => {
    (next as { lastEventAt?: string }).lastEventAt = at;
    return { facts: next };
  };
  const reject = (violation: string): StepResult => ({ facts: f, violation });
  switch (e.type) {
    case 'MigrationCaseOpened': {
      const d = e.data;
      return facts({
        ...f,
        caseOpenedAt: f.caseOpenedAt ?? at,
        route: d.route,
        birthYear: d.birthYear,
        gender: d.gender,
        citizenship: d.citizenship,
        unaccompaniedMinor: d.unaccompaniedMinor,
      });
    }
    case 'ReceptionHousingAssigned':
      return facts({ ...f, receptionHousing: { at, housingType: e.data.housingType, municipalityCode: e.data.municipalityCode } });
    case 'ResidencePermitGranted':
      return facts({
        ...f,
        firstPermitAt: f.firstPermitAt ?? at,
        permit: { at, permitType: e.data.permitType, ground: e.data.ground, validUntil: e.data.validUntil },
        latestDecision: 'granted',
      });
    case 'ResidencePermitRefused':
      return facts({ ...f, refusedAt: at, latestDecision: 'refused' });
    case 'MunicipalityAssigned':
      return facts({ ...linkMunicipality(f, at, e.data.municipalityCode, 'assigned'), assigned: { at, municipalityCode: e.data.municipalityCode } });
    case 'MigrationCaseClosed':
      return facts({ ...f, caseClosed: { at, reason: e.data.reason } });
    case 'PopulationRegistered':
      return facts({
        ...linkMunicipality(f, at, e.data.municipalityCode, 'registered'),
        populationRegisteredAt: f.populationRegisteredAt ?? at,
        registered: { at, municipalityCode: e.data.municipalityCode },
      });
    case 'MovedToMunicipality':
      return facts({ ...linkMunicipality(f, at, e.data.municipalityCode, 'moved'), registered: { at, municipalityCode: e.data.municipalityCode } });
    case 'SettledInMunicipality':
      return facts({
        ...linkMunicipality(f, at, e.data.municipalityCode, 'settled'),
        firstSettledAt: f.firstSettledAt ?? at,
        settled: { at, municipalityCode: e.data.municipalityCode, arrangement: e.data.arrangement },
      });
    case 'SfiEnrolled': {
      const d = e.data;
      const enrolled = [
        ...f.sfi.enrolled.filter((x) => x.course !== d.course),
        { course: d.course, studyPath: d.studyPath, vocational: d.vocational ?? false, enrolledAt: at },
      ];
      return facts({ ...f, sfi: { ...f.sfi, firstEnrolledAt: f.sfi.firstEnrolledAt ?? at, enrolled } });
    }
    case 'SfiCoursePassed':
    case 'SfiDiscontinued': {
      const course = e.data.course;
      if (!f.sfi.enrolled.some((x) => x.course === course)) {
        return reject(`the person is not enrolled in SFI course ${course}`);
      }
      const enrolled = f.sfi.enrolled.filter((x) => x.course !== course);
      if (e.type === 'SfiCoursePassed') {
        return facts({ ...f, sfi: { ...f.sfi, enrolled, passed: [...f.sfi.passed, { at, course, grade: e.data.grade }] } });
      }
      return facts({ ...f, sfi: { ...f.sfi, enrolled, discontinued: [...f.sfi.discontinued, { at, course, reason: e.data.reason }] } });
    }
    case 'CivicOrientationStarted':
      if (f.civicOrientation.open) return reject('civic orientation is already open');
      return facts({
        ...f,
        civicOrientation: {
          ...f.civicOrientation,
          firstStartedAt: f.civicOrientation.firstStartedAt ?? at,
          open: { startedAt: at, language: e.data.language, plannedHours: e.data.plannedHours },
        },
      });
    case 'CivicOrientationCompleted':
      if (!f.civicOrientation.open) return reject('no civic orientation is open');
      return facts({ ...f, civicOrientation: { ...f.civicOrientation, open: undefined, completed: { at, hours: e.data.hours } } });
    case 'HealthExaminationOffered':
      return facts({ ...f, health: { ...f.health, offeredAt: f.health.offeredAt ?? at } });
    case 'HealthExaminationCompleted':
      return facts({ ...f, health: { ...f.health, completedAt: at } });
    case 'EstablishmentProgrammeStarted':
      if (f.programme.open) return reject('the establishment programme is already open');
      return facts({
        ...f,
        programme: { ...f.programme, firstStartedAt: f.programme.firstStartedAt ?? at, open: { startedAt: at, plannedEndDate: e.data.plannedEndDate } },
      });
    case 'EstablishmentProgrammeEnded':
      if (!f.programme.open) return reject('no establishment programme is open');
      return facts({ ...f, programme: { ...f.programme, open: undefined, ended: { at, reason: e.data.reason } } });
    case 'EstablishmentAllowanceGranted':
      return facts({ ...f, allowance: { at, extentPercent: e.data.extentPercent } });
    case 'CompetenceMapped':
      return facts({
        ...f,
        competence: {
          at,
          yearsOfSchooling: e.data.yearsOfSchooling,
          highestEducation: e.data.highestEducation,
          occupations: e.data.occupations ?? [],
          healthcareBackground: e.data.healthcareBackground,
        },
      });
    case 'InternshipStarted':
      return facts({ ...f, internships: [...f.internships, { eventId: e.eventId, source: e.source, startedAt: at, data: e.data }] });
    case 'InternshipEnded':
      if (f.internships.length === 0) return reject('no internship is open');
      return facts({ ...f, internships: f.internships.slice(1) });
    case 'ValidationStarted':
      return facts({ ...f, validations: [...f.validations, { eventId: e.eventId, source: e.source, startedAt: at, data: e.data }] });
    case 'ValidationCompleted':
      if (f.validations.length === 0) return reject('no validation is open');
      return facts({ ...f, validations: f.validations.slice(1), lastValidation: { at, outcome: e.data.outcome } });
    case 'EducationStarted':
      return facts({ ...f, educations: [...f.educations, { eventId: e.eventId, source: e.source, startedAt: at, data: e.data }] });
    case 'EducationEnded':
      if (f.educations.length === 0) return reject('no education is open');
      return facts({ ...f, educations: f.educations.slice(1), lastEducationEnded: { at, completed: e.data.completed } });
    case 'EmploymentStarted':
      return facts({
        ...f,
        firstEmploymentAt: f.firstEmploymentAt ?? at,
        employments: [...f.employments, { eventId: e.eventId, source: e.source, startedAt: at, data: e.data }],
      });
    case 'EmploymentEnded':
      if (f.employments.length === 0) return reject('no employment is open');
      return facts({ ...f, employments: f.employments.slice(1), lastEmploymentEndedAt: at });
    case 'BusinessStarted':
      return facts({ ...f, business: { at, organisationNumber: e.data.organisationNumber } });
    case 'EventRetracted':
      return { facts: f };
    default: {
      const _exhaustive: never = e;
      return _exhaustive;
    }
  }
}

export function retractionKey(source: string, eventId: string): string {
  return `${source}\u0000${eventId}`;
}

/** The events that count: not retracted, not retractions, in event-time order (ties by recording order). */
export function effectiveEvents(state: Pick<PersonState, 'history' | 'retractions'>): RecordedEvent[] {
  const gone = new Set(state.retractions.map((r) => retractionKey(r.source, r.eventId)));
  return sortByEventTime(state.history.filter((e) => e.type !== 'EventRetracted' && !gone.has(retractionKey(e.source, e.eventId))));
}

export function sortByEventTime(events: readonly RecordedEvent[]): RecordedEvent[] {
  return events
    .map((e, i) => ({ e, i, t: instant(e.time) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.e);
}

export interface Replay {
  readonly facts: PersonFacts;
  /** Events that broke a rule when replayed, by retraction key, with the rule. */
  readonly violations: ReadonlyMap<string, string>;
}

/** Folds events already in event-time order. */
export function replay(events: readonly RecordedEvent[]): Replay {
  let facts = EMPTY_FACTS;
  const violations = new Map<string, string>();
  for (const e of events) {
    const r = step(facts, e);
    facts = r.facts;
    if (r.violation) violations.set(retractionKey(e.source, e.eventId), r.violation);
  }
  return { facts, violations };
}

/** The facts as they stood at an event time, counting only events that happened up to then. */
export function factsAsOf(state: PersonState, time: string): PersonFacts {
  const t = instant(time);
  return replay(effectiveEvents(state).filter((e) => instant(e.time) <= t)).facts;
}
