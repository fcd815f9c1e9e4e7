import { countyOfMunicipality } from '../code-lists/municipalities';
import type { MunicipalityLink, PersonFacts, RecordedEvent } from './state';

/**
 * A person's facts as one object that `applyFact` may change. The fold of a read model owns its
 * facts (nobody else holds them between events) and updates one object per person; the chain's
 * immutable `step` gives `applyFact` a shallow copy instead, and `owned: false` makes it copy any
 * nested array or object before changing it, so the facts it was copied from never change.
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

// Shared by every empty draft and frozen: the fold replaces them before writing into them (append
// and ownSfi below make a fresh array or object the first time), so a person's facts hold only
// the parts their events have touched. A rebuild holds every person's facts in memory, and twelve
// empty arrays and objects each were a third of its allocations and of the collector's copying.
const NO_ITEMS = Object.freeze([]) as unknown as never[];
const NO_SFI: DraftFacts['sfi'] = Object.freeze({ enrolled: NO_ITEMS, passed: NO_ITEMS, discontinued: NO_ITEMS }) as DraftFacts['sfi'];
const NOTHING = Object.freeze({});

/** The facts of a person with no events, which a fold may update in place (see NO_ITEMS); EMPTY_FACTS is one of them, frozen. */
export function emptyDraft(): DraftFacts {
  return {
    municipalityHistory: NO_ITEMS,
    sfi: NO_SFI,
    civicOrientation: NOTHING,
    health: NOTHING,
    programme: NOTHING,
    internships: NO_ITEMS,
    validations: NO_ITEMS,
    educations: NO_ITEMS,
    employments: NO_ITEMS,
  };
}

/** `list` with `item` added: in place when the facts are owned (and the list is not the shared empty one), else a copy. */
function append<T>(list: T[], item: T, owned: boolean): T[] {
  if (!owned || list.length === 0) return [...list, item];
  list.push(item);
  return list;
}

function ownSfi(f: DraftFacts, owned: boolean): DraftFacts['sfi'] {
  if (!owned || f.sfi === NO_SFI) f.sfi = { ...f.sfi };
  return f.sfi;
}

function link(f: DraftFacts, at: string, municipalityCode: string, kind: MunicipalityLink, owned: boolean): void {
  f.municipalityHistory = append(f.municipalityHistory, { at, municipalityCode, link: kind }, owned);
  f.municipalityCode = municipalityCode;
  // Assigned: the key is written even when it holds nothing, so every fold gives the same keys.
  f.residenceMunicipalityCode = kind === 'assigned' ? f.residenceMunicipalityCode : municipalityCode;
  f.countyCode = countyOfMunicipality(municipalityCode);
}

/**
 * Applies one fact to `f`, the one implementation of the chain's facts and of the recording rules
 * checked on them (CONTRACT.md): ending what is not open, starting a programme or civic
 * orientation already open, passing or discontinuing an SFI course the person is not enrolled in.
 * Answers the violated rule, if any, before changing anything; then `f` is as it was.
 *
 * SFI enrolment is per course: SfiEnrolled(course) enrols in that course (enrolling again in a
 * course already enrolled in only updates it); SfiCoursePassed and SfiDiscontinued end that
 * course's enrolment. Passing does not enrol in the next course: the municipality reports the next
 * enrolment itself, since a pass may also end the person's SFI studies.
 *
 * Several internships, validations, educations or employments may be open at once; their end
 * events carry no reference, so an end closes the earliest-started open one.
 */
export function applyFact(f: DraftFacts, e: RecordedEvent, owned: boolean): string | undefined {
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
      link(f, at, e.data.municipalityCode, 'assigned', owned);
      f.assigned = { at, municipalityCode: e.data.municipalityCode };
      break;
    case 'MigrationCaseClosed':
      f.caseClosed = { at, reason: e.data.reason };
      break;
    case 'PopulationRegistered':
      link(f, at, e.data.municipalityCode, 'registered', owned);
      f.populationRegisteredAt = f.populationRegisteredAt ?? at;
      f.registered = { at, municipalityCode: e.data.municipalityCode };
      break;
    case 'MovedToMunicipality':
      link(f, at, e.data.municipalityCode, 'moved', owned);
      f.registered = { at, municipalityCode: e.data.municipalityCode };
      break;
    case 'SettledInMunicipality':
      link(f, at, e.data.municipalityCode, 'settled', owned);
      f.firstSettledAt = f.firstSettledAt ?? at;
      f.settled = { at, municipalityCode: e.data.municipalityCode, arrangement: e.data.arrangement };
      break;
    case 'SfiEnrolled': {
      const d = e.data;
      const enrolled = f.sfi.enrolled.filter((x) => x.course !== d.course);
      enrolled.push({ course: d.course, studyPath: d.studyPath, vocational: d.vocational ?? false, enrolledAt: at });
      const sfi = ownSfi(f, owned);
      sfi.firstEnrolledAt = sfi.firstEnrolledAt ?? at;
      sfi.enrolled = enrolled;
      break;
    }
    case 'SfiCoursePassed':
    case 'SfiDiscontinued': {
      const course = e.data.course;
      if (!f.sfi.enrolled.some((x) => x.course === course)) return `the person is not enrolled in SFI course ${course}`;
      const sfi = ownSfi(f, owned);
      sfi.enrolled = sfi.enrolled.filter((x) => x.course !== course);
      if (e.type === 'SfiCoursePassed') sfi.passed = append(sfi.passed, { at, course, grade: e.data.grade }, owned);
      else sfi.discontinued = append(sfi.discontinued, { at, course, reason: e.data.reason }, owned);
      break;
    }
    case 'CivicOrientationStarted':
      if (f.civicOrientation.open) return 'civic orientation is already open';
      f.civicOrientation = {
        ...f.civicOrientation,
        firstStartedAt: f.civicOrientation.firstStartedAt ?? at,
        open: { startedAt: at, language: e.data.language, plannedHours: e.data.plannedHours },
      };
      break;
    case 'CivicOrientationCompleted':
      if (!f.civicOrientation.open) return 'no civic orientation is open';
      f.civicOrientation = { ...f.civicOrientation, open: undefined, completed: { at, hours: e.data.hours } };
      break;
    case 'HealthExaminationOffered':
      f.health = { ...f.health, offeredAt: f.health.offeredAt ?? at };
      break;
    case 'HealthExaminationCompleted':
      f.health = { ...f.health, completedAt: at };
      break;
    case 'EstablishmentProgrammeStarted':
      if (f.programme.open) return 'the establishment programme is already open';
      f.programme = { ...f.programme, firstStartedAt: f.programme.firstStartedAt ?? at, open: { startedAt: at, plannedEndDate: e.data.plannedEndDate } };
      break;
    case 'EstablishmentProgrammeEnded':
      if (!f.programme.open) return 'no establishment programme is open';
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
      f.internships = append(f.internships, { eventId: e.eventId, source: e.source, startedAt: at, data: e.data }, owned);
      break;
    case 'InternshipEnded':
      if (f.internships.length === 0) return 'no internship is open';
      f.internships = owned ? (f.internships.shift(), f.internships) : f.internships.slice(1);
      break;
    case 'ValidationStarted':
      f.validations = append(f.validations, { eventId: e.eventId, source: e.source, startedAt: at, data: e.data }, owned);
      break;
    case 'ValidationCompleted':
      if (f.validations.length === 0) return 'no validation is open';
      f.validations = owned ? (f.validations.shift(), f.validations) : f.validations.slice(1);
      f.lastValidation = { at, outcome: e.data.outcome };
      break;
    case 'EducationStarted':
      f.educations = append(f.educations, { eventId: e.eventId, source: e.source, startedAt: at, data: e.data }, owned);
      break;
    case 'EducationEnded':
      if (f.educations.length === 0) return 'no education is open';
      f.educations = owned ? (f.educations.shift(), f.educations) : f.educations.slice(1);
      f.lastEducationEnded = { at, completed: e.data.completed };
      break;
    case 'EmploymentStarted':
      f.firstEmploymentAt = f.firstEmploymentAt ?? at;
      f.employments = append(f.employments, { eventId: e.eventId, source: e.source, startedAt: at, data: e.data }, owned);
      break;
    case 'EmploymentEnded':
      if (f.employments.length === 0) return 'no employment is open';
      f.employments = owned ? (f.employments.shift(), f.employments) : f.employments.slice(1);
      f.lastEmploymentEndedAt = at;
      break;
    case 'BusinessStarted':
      f.business = { at, organisationNumber: e.data.organisationNumber };
      break;
    default:
      // EventRetracted leaves the facts as they are, lastEventAt included.
      return undefined;
  }
  f.lastEventAt = at;
  return undefined;
}
