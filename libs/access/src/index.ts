export {
  ACTOR_KINDS,
  NATIONAL_AGENCIES,
  actorCode,
  countyOfMunicipalityCode,
  isActorKind,
  isNationalAgency,
  parseActorRef,
  type ActorKind,
  type ActorRef,
  type NationalAgency,
} from './principal/actor';
export {
  CAPABILITIES,
  ROLES,
  ROLE_GRANTS,
  can,
  isRole,
  overviewScope,
  principalFromClaims,
  type Capability,
  type OverviewScope,
  type Principal,
  type PrincipalResult,
  type Role,
} from './principal/principal';
export { EVENT_FIELDS, EVENT_TYPES, isEventType, type EventType, type FieldOf } from './visibility/catalogue';
export {
  VISIBILITY,
  categoryOf,
  visibleEvent,
  visibleFields,
  type Category,
  type CategoryRule,
  type EventPayload,
  type Grant,
  type TimelineReader,
} from './visibility/policy';
export { filterTimeline, isInScope, scopeFor, visibleTimeline, type Scope, type ScopedEvent, type TimelineEvent, type VisibleTimeline } from './scope/scope';
export { DOSSIER_MASK, PNR_MASK, containsPersonalIdentifier, maskSubject } from './masking/mask';
