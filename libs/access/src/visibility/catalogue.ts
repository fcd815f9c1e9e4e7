// The data fields of each event type, from CONTRACT.md "The event catalogue". Access keeps its
// own copy so that a field is shown only if the contract names it: a field added to the
// catalogue stays hidden from every actor until someone decides who may see it.
export const EVENT_FIELDS = {
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
} as const satisfies Record<string, readonly string[]>;

export type EventType = keyof typeof EVENT_FIELDS;
export type FieldOf<T extends EventType> = (typeof EVENT_FIELDS)[T][number];

export const EVENT_TYPES = Object.keys(EVENT_FIELDS) as EventType[];

export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(EVENT_FIELDS, type);
}
