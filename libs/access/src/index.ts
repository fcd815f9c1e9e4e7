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
export { DEFAULT_MIN_CELL, MIN_CELL_FLOOR, checkMinCell, isSmall } from './disclosure/threshold';
export { SuppressionTable, type CellKind, type CellSpec, type Constraint } from './disclosure/suppression';
export {
  controlTimeToEvent,
  releasedCurve,
  releasedIncidence,
  type ControlledGroup,
  type ControlledHorizon,
  type ControlledIncidence,
  type ControlledLogRank,
  type ReleasedIncidence,
  type ControlledTimeToEvent,
  type DisclosureNote,
} from './disclosure/time-to-event';
export { controlComparison, type ControlledChanges, type ControlledComparison, type ControlledGroupComparison } from './disclosure/compare';
export { controlCount, controlOverviewRow, type ControlledOverviewRow, type MedianInput, type OverviewRowInput } from './disclosure/overview';
