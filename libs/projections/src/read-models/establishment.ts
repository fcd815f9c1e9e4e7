import type { PersonFacts } from '@kedja/chain';
import { personViewProjection, type PersonViewSpec } from './person-table';

export type ActivityKind = 'internship' | 'validation' | 'education' | 'employment' | 'sfi' | 'civic-orientation';

/** An open activity; `type` is the event that opened it, so a reader sees it only if it may see that event. */
export interface OpenActivity {
  readonly kind: ActivityKind;
  readonly type: string;
  readonly since: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export function openActivities(f: PersonFacts): OpenActivity[] {
  const activities: OpenActivity[] = [
    ...f.internships.map((a) => ({ kind: 'internship' as const, type: 'InternshipStarted', since: a.startedAt, details: { occupation: a.data.occupation, sector: a.data.sector } })),
    ...f.validations.map((a) => ({ kind: 'validation' as const, type: 'ValidationStarted', since: a.startedAt, details: { validationKind: a.data.kind } })),
    ...f.educations.map((a) => ({ kind: 'education' as const, type: 'EducationStarted', since: a.startedAt, details: { level: a.data.level } })),
    ...f.employments.map((a) => ({ kind: 'employment' as const, type: 'EmploymentStarted', since: a.startedAt, details: { occupation: a.data.occupation, form: a.data.form } })),
    ...f.sfi.enrolled.map((s) => ({ kind: 'sfi' as const, type: 'SfiEnrolled', since: s.enrolledAt, details: { course: s.course, studyPath: s.studyPath } })),
    ...(f.civicOrientation.open
      ? [{ kind: 'civic-orientation' as const, type: 'CivicOrientationStarted', since: f.civicOrientation.open.startedAt, details: { language: f.civicOrientation.open.language } }]
      : []),
  ];
  return activities.sort((a, b) => Date.parse(a.since) - Date.parse(b.since));
}

export interface EstablishmentDetail {
  readonly startedAt: string;
  readonly plannedEndDate: string;
  readonly activities: readonly OpenActivity[];
}

/** Active programme participants and what they are doing now (Arbetsförmedlingen's question). */
export const establishmentSpec: PersonViewSpec = {
  name: 'establishment',
  // 2: histories stored as arrays per event, without the actor. 3: no history column (people
  // are refolded from the log).
  // 4: placement columns by the scope rule of Amendments v1.1 (registration outranks settlement; claims list no one).
  version: 4,
  table: 'establishment',
  columns: [{ name: 'planned_end', type: 'TEXT' }],
  indexes: ['listed, planned_end, person_id'],
  derive(f) {
    const open = f.programme.open;
    if (!open) return null;
    const detail: EstablishmentDetail = { startedAt: open.startedAt, plannedEndDate: open.plannedEndDate, activities: openActivities(f) };
    return { columns: { planned_end: open.plannedEndDate }, detail };
  },
};

export const establishmentProjection = personViewProjection(establishmentSpec);
