import { type ActorKind, type ActorRef, isNationalAgency, parseActorRef } from './actor';

import { ROLES, type Role } from '@kedja/auth';

// The roles a token may carry are defined once, where tokens are verified.
export { ROLES, type Role };

export interface Principal {
  readonly sub: string;
  readonly actor: ActorRef;
  readonly roles: readonly Role[];
}

export const CAPABILITIES = [
  'post-events',
  'import-events',
  'read-timeline',
  'read-views',
  'read-overview',
  'run-analytics',
  'export',
  'erase',
  'read-audit',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

type ActorClass = 'reporting' | 'county' | 'analyst' | 'platform';

// DOMAIN.md "Actors": county boards and analysts report nothing; the platform is not an agency.
function actorClass(kind: ActorKind): ActorClass {
  if (isNationalAgency(kind) || kind === 'municipality' || kind === 'region') return 'reporting';
  return kind;
}

// The role rules of CONTRACT.md "Identity and access" as data: a role grants a capability only
// together with the actor classes listed. A capability not listed for a role is never granted.
// - integration posts events, and only an actor that reports something has anything to post.
// - caseworker reads timelines and views of its own actor; a county board reads only its
//   county's overview and never person-level data ("Who sees what", "Reading").
// - analyst (actor analyst) runs analytics and exports and never reads a timeline.
// - admin (actor platform) erases and reads audit logs, and may post on behalf of the agencies
//   when importing history ("Posting events"); it is given no timeline, since the platform has
//   no column in the visibility table.
export const ROLE_GRANTS: Readonly<Record<Role, Partial<Record<Capability, readonly ActorClass[]>>>> = {
  integration: {
    'post-events': ['reporting'],
  },
  caseworker: {
    'read-timeline': ['reporting'],
    'read-views': ['reporting'],
    'read-overview': ['reporting', 'county'],
  },
  analyst: {
    'run-analytics': ['analyst'],
    export: ['analyst'],
  },
  admin: {
    'post-events': ['platform'],
    'import-events': ['platform'],
    erase: ['platform'],
    'read-audit': ['platform'],
  },
};

export function can(principal: Principal, capability: Capability): boolean {
  const cls = actorClass(principal.actor.kind);
  return principal.roles.some((role) => ROLE_GRANTS[role]?.[capability]?.includes(cls) ?? false);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export type PrincipalResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: string };

// Verifying the signature, `iss` and `exp` is the HTTP layer's job; this only reads the claims the
// contract defines. A token naming an unknown actor or role is refused outright rather than
// trimmed, so a typo in an issuer's configuration cannot silently widen or narrow access.
export function principalFromClaims(claims: unknown): PrincipalResult {
  if (typeof claims !== 'object' || claims === null) return { ok: false, reason: 'claims must be an object' };
  const { sub, actor, roles } = claims as Record<string, unknown>;
  if (typeof sub !== 'string' || sub.length === 0) return { ok: false, reason: 'sub must be a non-empty string' };
  const ref = parseActorRef(actor);
  if (!ref) return { ok: false, reason: 'actor is not a known actor code' };
  if (!Array.isArray(roles) || !roles.every(isRole)) {
    return { ok: false, reason: `roles must be an array of ${ROLES.join(', ')}` };
  }
  return { ok: true, principal: { sub, actor: ref, roles: [...new Set(roles)] } };
}

// Which county overviews a principal may read, and which rows of it. A county board and a region
// read their own county; national agencies any county. A municipality sees only its own people
// ("Reading": views are scoped to the caller), so only its own row of its own county.
export type OverviewScope = 'none' | 'all' | { readonly municipalityCode: string };

export function overviewScope(principal: Principal, countyCode: string): OverviewScope {
  if (!can(principal, 'read-overview')) return 'none';
  const actor = principal.actor;
  switch (actor.kind) {
    case 'county':
    case 'region':
      return actor.countyCode === countyCode ? 'all' : 'none';
    case 'municipality':
      return actor.countyCode === countyCode ? { municipalityCode: actor.municipalityCode } : 'none';
    default:
      return isNationalAgency(actor.kind) ? 'all' : 'none';
  }
}
