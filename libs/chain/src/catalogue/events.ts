// The event catalogue of the integration contract (v1): the stored type string of each event
// equals its name here. Facts are past tense and carry only the data the contract allows.

export type Route = 'asylum' | 'resettlement' | 'family-ties' | 'temporary-protection';
export type Gender = 'female' | 'male' | 'unspecified';
export type HousingType = 'ABO' | 'EBO';
export type PermitType = 'temporary' | 'permanent';
export type PermitGround = 'refugee' | 'subsidiary-protection' | 'temporary-protection' | 'family-ties' | 'humanitarian' | 'other';
export type CaseClosureReason = 'left-sweden' | 'withdrawn' | 'deceased' | 'citizenship' | 'other';
export type SettlementArrangement = 'assigned' | 'self-arranged';
export type StudyPath = 1 | 2 | 3;
export type SfiCourse = 'A' | 'B' | 'C' | 'D';
export type SfiGrade = 'A' | 'B' | 'C' | 'D' | 'E';
export type SfiDiscontinuationReason = 'work' | 'studies' | 'moved' | 'other';
export type ProgrammeEndReason = 'employment' | 'studies' | 'time-limit' | 'health' | 'parental-leave' | 'moved-abroad' | 'other';
export type AllowanceExtent = 25 | 50 | 75 | 100;
export type EducationLevelAttained = 'none' | 'primary' | 'upper-secondary' | 'post-secondary';
export type Sector = 'public' | 'private' | 'non-profit';
export type ValidationKind = 'branch' | 'foreign-education' | 'licensure';
export type ValidationOutcome = 'full' | 'partial' | 'none';
export type EducationLevel = 'adult-basic' | 'adult-upper-secondary' | 'vocational' | 'folk-high-school' | 'higher';
export type EmploymentForm =
  | 'regular'
  | 'new-start-job'
  | 'introduction-job'
  | 'extra-job'
  | 'entry-job'
  | 'establishment-job'
  | 'apprenticeship'
  | 'other';

type Empty = { readonly [key: string]: never };

export interface EventDataMap {
  MigrationCaseOpened: {
    readonly route: Route;
    readonly birthYear: number;
    readonly gender: Gender;
    readonly citizenship: string;
    readonly unaccompaniedMinor?: boolean;
  };
  ReceptionHousingAssigned: { readonly housingType: HousingType; readonly municipalityCode: string };
  ResidencePermitGranted: { readonly permitType: PermitType; readonly ground: PermitGround; readonly validUntil?: string };
  ResidencePermitRefused: Empty;
  MunicipalityAssigned: { readonly municipalityCode: string };
  MigrationCaseClosed: { readonly reason: CaseClosureReason };
  PopulationRegistered: { readonly personalIdentityNumber: string; readonly municipalityCode: string };
  MovedToMunicipality: { readonly municipalityCode: string };
  SettledInMunicipality: { readonly municipalityCode: string; readonly arrangement: SettlementArrangement };
  SfiEnrolled: { readonly studyPath: StudyPath; readonly course: SfiCourse; readonly vocational?: boolean };
  SfiCoursePassed: { readonly course: SfiCourse; readonly grade: SfiGrade };
  SfiDiscontinued: { readonly course: SfiCourse; readonly reason: SfiDiscontinuationReason };
  CivicOrientationStarted: { readonly language: string; readonly plannedHours: number };
  CivicOrientationCompleted: { readonly hours: number };
  HealthExaminationOffered: Empty;
  HealthExaminationCompleted: Empty;
  EstablishmentProgrammeStarted: { readonly plannedEndDate: string };
  EstablishmentProgrammeEnded: { readonly reason: ProgrammeEndReason };
  EstablishmentAllowanceGranted: { readonly extentPercent: AllowanceExtent };
  CompetenceMapped: {
    readonly yearsOfSchooling: number;
    readonly highestEducation: EducationLevelAttained;
    readonly occupations?: readonly string[];
    readonly healthcareBackground?: boolean;
  };
  InternshipStarted: { readonly occupation: string; readonly sector: Sector; readonly employer?: string };
  InternshipEnded: Empty;
  ValidationStarted: { readonly kind: ValidationKind; readonly occupation?: string };
  ValidationCompleted: { readonly outcome: ValidationOutcome };
  EducationStarted: { readonly level: EducationLevel };
  EducationEnded: { readonly completed: boolean };
  EmploymentStarted: {
    readonly occupation: string;
    readonly form: EmploymentForm;
    readonly hoursPerWeek?: number;
    readonly employer?: string;
  };
  EmploymentEnded: Empty;
  BusinessStarted: { readonly organisationNumber?: string };
  EventRetracted: { readonly eventId: string; readonly reason: string };
}

export type EventType = keyof EventDataMap;

export type EventData<T extends EventType = EventType> = EventDataMap[T];

/** The discriminated union of all chain events; a `switch` on `type` is exhaustive. */
export type ChainEvent = { [T in EventType]: { readonly type: T; readonly data: EventDataMap[T] } }[EventType];

export type ChainEventOf<T extends EventType> = Extract<ChainEvent, { type: T }>;

export const EVENT_TYPES: readonly EventType[] = Object.freeze([
  'MigrationCaseOpened',
  'ReceptionHousingAssigned',
  'ResidencePermitGranted',
  'ResidencePermitRefused',
  'MunicipalityAssigned',
  'MigrationCaseClosed',
  'PopulationRegistered',
  'MovedToMunicipality',
  'SettledInMunicipality',
  'SfiEnrolled',
  'SfiCoursePassed',
  'SfiDiscontinued',
  'CivicOrientationStarted',
  'CivicOrientationCompleted',
  'HealthExaminationOffered',
  'HealthExaminationCompleted',
  'EstablishmentProgrammeStarted',
  'EstablishmentProgrammeEnded',
  'EstablishmentAllowanceGranted',
  'CompetenceMapped',
  'InternshipStarted',
  'InternshipEnded',
  'ValidationStarted',
  'ValidationCompleted',
  'EducationStarted',
  'EducationEnded',
  'EmploymentStarted',
  'EmploymentEnded',
  'BusinessStarted',
  'EventRetracted',
] as const satisfies readonly EventType[]);

const TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && TYPES.has(value);
}

/** SFI courses by study path (Skolverket, kursplan för sfi; förordning 2011:1108 om vuxenutbildning). */
export const SFI_COURSES_BY_PATH: Readonly<Record<StudyPath, readonly SfiCourse[]>> = Object.freeze({
  1: Object.freeze(['A', 'B', 'C', 'D'] as const),
  2: Object.freeze(['B', 'C', 'D'] as const),
  3: Object.freeze(['C', 'D'] as const),
});
