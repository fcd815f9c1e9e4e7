import type { Actor } from '../actors/actor';
import { emptyDraft } from './apply-fact';
import type {
  AllowanceExtent,
  CaseClosureReason,
  EducationLevel,
  EducationLevelAttained,
  EmploymentForm,
  EventDataMap,
  EventType,
  Gender,
  HousingType,
  PermitGround,
  PermitType,
  ProgrammeEndReason,
  Route,
  SettlementArrangement,
  SfiCourse,
  SfiDiscontinuationReason,
  SfiGrade,
  StudyPath,
  ValidationKind,
  ValidationOutcome,
  Sector,
} from '../catalogue/events';

/** An event as recorded in a person's stream. `actor` is the actor code (or its parsed form). */
export type RecordedEvent = {
  [T in EventType]: {
    readonly eventId: string;
    readonly source: string;
    readonly type: T;
    readonly time: string;
    readonly data: EventDataMap[T];
    readonly actor: string | Actor;
  };
}[EventType];

export type RecordedEventOf<T extends EventType> = Extract<RecordedEvent, { type: T }>;

export interface Dated {
  readonly at: string;
}

export interface Activity<D> {
  readonly eventId: string;
  readonly source: string;
  readonly startedAt: string;
  readonly data: D;
}

export interface SfiEnrolment {
  readonly course: SfiCourse;
  readonly studyPath: StudyPath;
  readonly vocational: boolean;
  readonly enrolledAt: string;
}

export type MunicipalityLink = 'assigned' | 'settled' | 'registered' | 'moved';

/** What the effective (non-retracted) history says about the person, folded in event-time order. */
export interface PersonFacts {
  readonly caseOpenedAt?: string;
  readonly route?: Route;
  readonly birthYear?: number;
  readonly gender?: Gender;
  readonly citizenship?: string;
  readonly unaccompaniedMinor?: boolean;
  readonly caseClosed?: Dated & { readonly reason: CaseClosureReason };
  readonly receptionHousing?: Dated & { readonly housingType: HousingType; readonly municipalityCode: string };
  readonly firstPermitAt?: string;
  readonly permit?: Dated & { readonly permitType: PermitType; readonly ground: PermitGround; readonly validUntil?: string };
  readonly refusedAt?: string;
  /** The later of the latest grant and the latest refusal. */
  readonly latestDecision?: 'granted' | 'refused';
  readonly assigned?: Dated & { readonly municipalityCode: string };
  readonly populationRegisteredAt?: string;
  /** Latest municipality of registration (folkbokföring), from PopulationRegistered or MovedToMunicipality. */
  readonly registered?: Dated & { readonly municipalityCode: string };
  readonly firstSettledAt?: string;
  readonly settled?: Dated & { readonly municipalityCode: string; readonly arrangement: SettlementArrangement };
  /** Every link to a municipality in event-time order, for scoping and "up to the move" cut-offs. */
  readonly municipalityHistory: readonly (Dated & { readonly municipalityCode: string; readonly link: MunicipalityLink })[];
  /** The latest of assigned, settled, registered or moved-to municipality by event time. */
  readonly municipalityCode?: string;
  /** The latest of settled, registered or moved-to municipality: where the person lives. */
  readonly residenceMunicipalityCode?: string;
  readonly countyCode?: string;
  readonly sfi: {
    readonly firstEnrolledAt?: string;
    readonly enrolled: readonly SfiEnrolment[];
    readonly passed: readonly (Dated & { readonly course: SfiCourse; readonly grade: SfiGrade })[];
    readonly discontinued: readonly (Dated & { readonly course: SfiCourse; readonly reason: SfiDiscontinuationReason })[];
  };
  readonly civicOrientation: {
    readonly firstStartedAt?: string;
    readonly open?: { readonly startedAt: string; readonly language: string; readonly plannedHours: number };
    readonly completed?: Dated & { readonly hours: number };
  };
  readonly health: { readonly offeredAt?: string; readonly completedAt?: string };
  readonly programme: {
    readonly firstStartedAt?: string;
    readonly open?: { readonly startedAt: string; readonly plannedEndDate: string };
    readonly ended?: Dated & { readonly reason: ProgrammeEndReason };
  };
  readonly allowance?: Dated & { readonly extentPercent: AllowanceExtent };
  readonly competence?: Dated & {
    readonly yearsOfSchooling: number;
    readonly highestEducation: EducationLevelAttained;
    readonly occupations: readonly string[];
    readonly healthcareBackground?: boolean;
  };
  readonly internships: readonly Activity<{ readonly occupation: string; readonly sector: Sector; readonly employer?: string }>[];
  readonly validations: readonly Activity<{ readonly kind: ValidationKind; readonly occupation?: string }>[];
  readonly lastValidation?: Dated & { readonly outcome: ValidationOutcome };
  readonly educations: readonly Activity<{ readonly level: EducationLevel }>[];
  readonly lastEducationEnded?: Dated & { readonly completed: boolean };
  readonly employments: readonly Activity<{
    readonly occupation: string;
    readonly form: EmploymentForm;
    readonly hoursPerWeek?: number;
    readonly employer?: string;
  }>[];
  readonly firstEmploymentAt?: string;
  readonly lastEmploymentEndedAt?: string;
  readonly business?: Dated & { readonly organisationNumber?: string };
  readonly lastEventAt?: string;
}

export interface RetractionRef {
  readonly source: string;
  readonly eventId: string;
  readonly retractedBy: string;
  readonly at: string;
}

export interface PersonState {
  /** True once any event is recorded for the person. */
  readonly exists: boolean;
  /** Number of recorded events (the stream version). */
  readonly version: number;
  /** Every recorded event in recording order, retracted ones and retractions included (the log). */
  readonly history: readonly RecordedEvent[];
  readonly retractions: readonly RetractionRef[];
  readonly facts: PersonFacts;
}

/** The facts of a person with no events: the fold's empty draft, frozen. */
export const EMPTY_FACTS: PersonFacts = Object.freeze(emptyDraft());

export const initialState: PersonState = Object.freeze({
  exists: false,
  version: 0,
  history: [],
  retractions: [],
  facts: EMPTY_FACTS,
});
