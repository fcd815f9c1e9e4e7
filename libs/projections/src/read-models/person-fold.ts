import { countyOfMunicipality, type MunicipalityLink, type PersonFacts, type RecordedEvent } from '@kedja/chain';

/**
 * The chain's `step` (libs/chain person/facts.ts) folded in place. The chain's fold is immutable:
 * each event copies the whole facts object twice, which made it most of a rebuild's CPU. A read
 * model owns the facts it folds (nobody else holds them between events), so here one object per
 * person is updated instead. The result must equal the chain's `replay` exactly, values and keys
 * alike: person-fold.unit.spec.ts checks that with `toStrictEqual` after every event of simulated
 * populations, late events and retractions included. A change to the chain's `step` must be made
 * here too (that test fails until it is).
 */
export type DraftFacts = { -readonly [K in keyof PersonFacts]: PersonFacts[K] } & {
  municipalityHistory: Array<PersonFacts['municipalityHistory'][number]>;
  sfi: {
    firstEnrolledAt?: string;
    enrolled: Array<PersonFacts['sfi']['enrolled'][number]>;
    passed: Array<PersonFacts['sfi']['passed'][number]>;
    discontinued: Array<PersonFacts['sfi']['discontinued'][number]>;
  };
  internships: Array<PersonFacts['internships'][number]>;
  validations: Array<PersonFacts['validations'][number]>;
  educations: Array<PersonFacts['educations'][number]>;
  employments: Array<PersonFacts['employments'][number]>;
};

/** The chain's EMPTY_FACTS, with arrays and nested objects of its own (they are updated in place). */
export function emptyDraft(): DraftFacts {
  return {
    municipalityHistory: [],
    sfi: { enrolled: [], passed: [], discontinued: [] },
    civicOrientation: {},
    health: {},
    programme: {},
    internships: [],
    validations: [],
    educations: [],
    employments: [],
  };
}

function link(f: DraftFacts, at: string, municipalityCode: string, kind: MunicipalityLink): void {
  f.municipalityHistory.push({ at, municipalityCode, link: kind });
  f.municipalityCode = municipalityCode;
  // Assigned: the key is written even when absent, as the chain's spread writes it.
  f.residenceMunicipalityCode = kind === 'assigned' ? f.residenceMunicipalityCode : municipalityCode;
  f.countyCode = countyOfMunicipality(municipalityCode);
}

/** Applies one event to `f` in place, as the chain's `step` does (a rejected event changes nothing). */
export function stepInPlace(f: DraftFacts, e: RecordedEvent): void {
  const at = e.time;
  switch (e.type) {
    case 'MigrationCaseOpened': {
      const d = e.data;
      f.caseOpenedAt = f.caseOpenedAt ?? at;
      f.route = d.route;
      f.birthYear = d.birthYear;
      f.gender = d.gender;
      f.citizenship = d.citizenship;
      f.unaccompaniedMinor = d.unaccompaniedMinor;
      break;
    }
    case 'ReceptionHousingAssigned':
      f.receptionHousing = { at, housingType: e.data.housingType, municipalityCode: e.data.municipalityCode };
      break;
    case 'ResidencePermitGranted':
      f.firstPermitAt = f.firstPermitAt ?? at;
      f.permit = { at, permitType: e.data.permitType, ground: e.data.ground, validUntil: e.data.validUntil };
      f.latestDecision = 'granted';
      break;
    case 'ResidencePermitRefused':
      f.refusedAt = at;
      f.latestDecision = 'refused';
      break;
    case 'MunicipalityAssigned':
      link(f, at, e.data.municipalityCode, 'assigned');
      f.assigned = { at, municipalityCode: e.data.municipalityCode };
      break;
    case 'MigrationCaseClosed':
      f.caseClosed = { at, reason: e.data.reason };
      break;
    case 'PopulationRegistered':
      link(f, at, e.data.municipalityCode, 'registered');
      f.populationRegisteredAt = f.populationRegisteredAt ?? at;
      f.registered = { at, municipalityCode: e.data.municipalityCode };
      break;
    case 'MovedToMunicipality':
      link(f, at, e.data.municipalityCode, 'moved');
      f.registered = { at, municipalityCode: e.data.municipalityCode };
      break;
    case 'SettledInMunicipality':
      link(f, at, e.data.municipalityCode, 'settled');
      f.firstSettledAt = f.firstSettledAt ?? at;
      f.settled = { at, municipalityCode: e.data.municipalityCode, arrangement: e.data.arrangement };
      break;
    case 'SfiEnrolled': {
      const d = e.data;
      const enrolled = f.sfi.enrolled.filter((x) => x.course !== d.course);
      enrolled.push({ course: d.course, studyPath: d.studyPath, vocational: d.vocational ?? false, enrolledAt: at });
      f.sfi.firstEnrolledAt = f.sfi.firstEnrolledAt ?? at;
      f.sfi.enrolled = enrolled;
      break;
    }
    case 'SfiCoursePassed':
    case 'SfiDiscontinued': {
      const course = e.data.course;
      if (!f.sfi.enrolled.some((x) => x.course === course)) return;
      f.sfi.enrolled = f.sfi.enrolled.filter((x) => x.course !== course);
      if (e.type === 'SfiCoursePassed') f.sfi.passed.push({ at, course, grade: e.data.grade });
      else f.sfi.discontinued.push({ at, course, reason: e.data.reason });
      break;
    }
    case 'CivicOrientationStarted':
      if (f.civicOrientation.open) return;
      f.civicOrientation = {
        ...f.civicOrientation,
        firstStartedAt: f.civicOrientation.firstStartedAt ?? at,
        open: { startedAt: at, language: e.data.language, plannedHours: e.data.plannedHours },
      };
      break;
    case 'CivicOrientationCompleted':
      if (!f.civicOrientation.open) return;
      f.civicOrientation = { ...f.civicOrientation, open: undefined, completed: { at, hours: e.data.hours } };
      break;
    case 'HealthExaminationOffered':
      f.health = { ...f.health, offeredAt: f.health.offeredAt ?? at };
      break;
    case 'HealthExaminationCompleted':
      f.health = { ...f.health, completedAt: at };
      break;
    case 'EstablishmentProgrammeStarted':
      if (f.programme.open) return;
      f.programme = { ...f.programme, firstStartedAt: f.programme.firstStartedAt ?? at, open: { startedAt: at, plannedEndDate: e.data.plannedEndDate } };
      break;
    case 'EstablishmentProgrammeEnded':
      if (!f.programme.open) return;
      f.programme = { ...f.programme, open: undefined, ended: { at, reason: e.data.reason } };
      break;
    case 'EstablishmentAllowanceGranted':
      f.allowance = { at, extentPercent: e.data.extentPercent };
      break;
    case 'CompetenceMapped':
      f.competence = {
        at,
        yearsOfSchooling: e.data.yearsOfSchooling,
        highestEducation: e.data.highestEducation,
        occupations: e.data.occupations ?? [],
        healthcareBackground: e.data.healthcareBackground,
      };
      break;
    case 'InternshipStarted':
      f.internships.push({ eventId: e.eventId, source: e.source, startedAt: at, data: e.data });
      break;
    case 'InternshipEnded':
      if (f.internships.length === 0) return;
      f.internships.shift();
      break;
    case 'ValidationStarted':
      f.validations.push({ eventId: e.eventId, source: e.source, startedAt: at, data: e.data });
      break;
    case 'ValidationCompleted':
      if (f.validations.length === 0) return;
      f.validations.shift();
      f.lastValidation = { at, outcome: e.data.outcome };
      break;
    case 'EducationStarted':
      f.educations.push({ eventId: e.eventId, source: e.source, startedAt: at, data: e.data });
      break;
    case 'EducationEnded':
      if (f.educations.length === 0) return;
      f.educations.shift();
      f.lastEducationEnded = { at, completed: e.data.completed };
      break;
    case 'EmploymentStarted':
      f.firstEmploymentAt = f.firstEmploymentAt ?? at;
      f.employments.push({ eventId: e.eventId, source: e.source, startedAt: at, data: e.data });
      break;
    case 'EmploymentEnded':
      if (f.employments.length === 0) return;
      f.employments.shift();
      f.lastEmploymentEndedAt = at;
      break;
    case 'BusinessStarted':
      f.business = { at, organisationNumber: e.data.organisationNumber };
      break;
    default:
      // EventRetracted (and no other type reaches a fold: the store holds catalogue types only)
      // leaves the facts as they are, lastEventAt included.
      return;
  }
  f.lastEventAt = at;
}

/** The chain's `replay(events).facts` for events already in event-time order. */
export function foldInPlace(events: readonly RecordedEvent[]): DraftFacts {
  const f = emptyDraft();
  for (const e of events) stepInPlace(f, e);
  return f;
}
