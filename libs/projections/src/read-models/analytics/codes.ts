// The vocabulary of the compact history, shared by the JSON rows and the binary facts.

/**
 * Type codes of the compact history. Append only: a code, once written, must keep meaning its
 * type (reordering would need a version bump and a rebuild). A type missing here (a later
 * catalogue addition) is stored by name, so nothing is lost while the list catches up.
 * Health facts are not here: analysts never get them (CONTRACT.md "Who sees what").
 */
export const ANALYTICS_TYPE_CODES: readonly string[] = [
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
];

export const CODE_OF = new Map(ANALYTICS_TYPE_CODES.map((t, i) => [t, i]));
export const RETRACTED_CODE = CODE_OF.get('EventRetracted')!;

/**
 * The data fields each type keeps, in tuple order: exactly what the analysis attributes read
 * (@kedja/analytics "Attributes") and the retraction target. Citizenship, personnummer, employer
 * and the rest never reach this table, so erasure and minimisation need not think about it.
 */
export const KEPT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  MigrationCaseOpened: ['birthYear', 'gender', 'route'],
  ReceptionHousingAssigned: ['municipalityCode'],
  MunicipalityAssigned: ['municipalityCode'],
  PopulationRegistered: ['municipalityCode'],
  MovedToMunicipality: ['municipalityCode'],
  SettledInMunicipality: ['municipalityCode'],
  CompetenceMapped: ['highestEducation'],
  MigrationCaseClosed: ['reason'],
};

/**
 * One entry of the compact history: `[type, time, recorded, ...kept fields]`. `type` is a code of
 * ANALYTICS_TYPE_CODES (or the name when it has none), `time` the event time as reported (its
 * offset is kept for exports), `recorded` the recorded time, or 0 when it equals `time`. A
 * retraction keeps one field, the index of its target in the same history: an event's id in the
 * analysis is its index, which is all the retraction rules of @kedja/analytics need.
 */
export type CompactEntry = Array<string | number | null>;

