import type { ActorKind } from '../principal/actor';
import { EVENT_FIELDS, type EventType, isEventType } from './catalogue';

// A field reference names one field of one event type, or `Type.*` for every field of it (the
// only way to grant an event with an empty data object).
type FieldRef = { [T in EventType]: `${T}.${(typeof EVENT_FIELDS)[T][number] | '*'}` }[EventType];

// 'all': every event of the category with every field. `allBut`: every event, minus the fields
// named. `only`: just the events and fields named; the category's other events stay invisible.
// An actor missing from a row sees nothing of that category.
export type Grant = 'all' | { readonly allBut: readonly FieldRef[] } | { readonly only: readonly FieldRef[] };

export type Category = 'migration' | 'registration' | 'settlement' | 'language' | 'health' | 'labour' | 'allowance';

// Person-level readers: the columns of the table. County boards, analysts and the platform are
// not columns because they never see a person-level timeline (CONTRACT.md "Who sees what").
export type TimelineReader = Exclude<ActorKind, 'county' | 'analyst' | 'platform'>;

export interface CategoryRule {
  readonly types: readonly EventType[];
  readonly grants: Partial<Record<TimelineReader, Grant>>;
}

// CONTRACT.md "Who sees what", row by row. This table is the policy; visibleEvent only reads it.
// The grounds are sekretess between agencies (OSL 2009:400): each agency sees what its mandate
// needs (DOMAIN.md "Actors"); health facts are special category data (GDPR art. 9) and stay with
// the region (OSL 25 kap.).
export const VISIBILITY: Readonly<Record<Category, CategoryRule>> = {
  migration: {
    types: [
      'MigrationCaseOpened',
      'MigrationCaseClosed',
      'ReceptionHousingAssigned',
      'ResidencePermitGranted',
      'ResidencePermitRefused',
      'MunicipalityAssigned',
    ],
    grants: {
      migrationsverket: 'all',
      municipality: { allBut: ['MigrationCaseOpened.citizenship', 'ResidencePermitGranted.ground'] },
      arbetsformedlingen: { allBut: ['MigrationCaseOpened.citizenship'] },
      forsakringskassan: { only: ['ResidencePermitGranted.permitType'] },
      region: { only: ['MigrationCaseOpened.birthYear', 'MigrationCaseOpened.gender'] },
    },
  },
  // The contract gives every reader the personnummer here, and it is kept: a caseworker needs
  // it to match the record with the agency's own case system. It is the one direct identifier
  // a timeline carries, which is why reads are audited and paths masked.
  registration: {
    types: ['PopulationRegistered', 'MovedToMunicipality'],
    grants: {
      migrationsverket: 'all',
      skatteverket: 'all',
      municipality: 'all',
      arbetsformedlingen: 'all',
      forsakringskassan: 'all',
      region: 'all',
    },
  },
  settlement: {
    types: ['SettledInMunicipality'],
    grants: {
      migrationsverket: 'all',
      municipality: 'all',
      arbetsformedlingen: 'all',
      forsakringskassan: 'all',
      region: 'all',
    },
  },
  language: {
    types: ['SfiEnrolled', 'SfiCoursePassed', 'SfiDiscontinued', 'CivicOrientationStarted', 'CivicOrientationCompleted'],
    grants: { municipality: 'all', arbetsformedlingen: 'all' },
  },
  health: {
    types: ['HealthExaminationOffered', 'HealthExaminationCompleted'],
    grants: { region: 'all' },
  },
  labour: {
    types: [
      'EstablishmentProgrammeStarted',
      'EstablishmentProgrammeEnded',
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
    ],
    grants: {
      municipality: 'all',
      arbetsformedlingen: 'all',
      forsakringskassan: { only: ['EstablishmentProgrammeStarted.*', 'EstablishmentProgrammeEnded.*'] },
    },
  },
  allowance: {
    types: ['EstablishmentAllowanceGranted'],
    grants: { municipality: 'all', arbetsformedlingen: 'all', forsakringskassan: 'all' },
  },
};

// EventRetracted belongs to no category: a retraction makes the retracted event vanish from
// timelines (CONTRACT.md "The event catalogue"), so showing the retraction itself would reveal
// what had been there.
const CATEGORY_OF: ReadonlyMap<EventType, Category> = new Map(
  (Object.entries(VISIBILITY) as [Category, CategoryRule][]).flatMap(([category, rule]) =>
    rule.types.map((type) => [type, category] as const),
  ),
);

export function categoryOf(type: string): Category | undefined {
  return isEventType(type) ? CATEGORY_OF.get(type) : undefined;
}

// Worked out once per actor kind and type: every event of every timeline read asks.
const FIELDS_SEEN = new Map<string, readonly string[] | null>();

// The fields of `type` an actor may see, or null when the event is invisible to it.
export function visibleFields(actorKind: ActorKind, type: string): readonly string[] | null {
  const key = `${actorKind}\u0000${type}`;
  let fields = FIELDS_SEEN.get(key);
  if (fields === undefined) {
    fields = fieldsSeen(actorKind, type);
    // Only the catalogue's types are kept: the map stays as small as the table it caches.
    if (isEventType(type)) FIELDS_SEEN.set(key, fields);
  }
  return fields;
}

function fieldsSeen(actorKind: ActorKind, type: string): readonly string[] | null {
  if (!isEventType(type)) return null;
  const category = CATEGORY_OF.get(type);
  if (!category) return null;
  const grant = (VISIBILITY[category].grants as Partial<Record<ActorKind, Grant>>)[actorKind];
  if (!grant) return null;
  const fields: readonly string[] = EVENT_FIELDS[type];
  if (grant === 'all') return fields;
  if ('allBut' in grant) return fields.filter((f) => !grant.allBut.includes(`${type}.${f}` as FieldRef));
  const named = grant.only.filter((ref) => ref.startsWith(`${type}.`)).map((ref) => ref.slice(type.length + 1));
  if (named.length === 0) return null;
  return named.includes('*') ? fields : fields.filter((f) => named.includes(f));
}

export interface EventPayload {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

// Fields outside the catalogue are dropped even under 'all': intake rejects them, and if one
// ever got past it, it would carry data no row of the table has cleared for anyone.
export function visibleEvent<E extends EventPayload>(actorKind: ActorKind, event: E): E | null {
  const fields = visibleFields(actorKind, event.type);
  if (!fields) return null;
  const data: Record<string, unknown> = {};
  for (const field of fields) {
    if (Object.prototype.hasOwnProperty.call(event.data, field)) data[field] = event.data[field];
  }
  return { ...event, data };
}
