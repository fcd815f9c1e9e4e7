// Actor codes as fixed by CONTRACT.md "Identity and access" and DOMAIN.md "Actors". The codes are
// parsed once, by @kedja/chain (which owns the kommun and län code lists); access adds the county
// of a municipality, which its scopes need.
import { parseActor } from '@kedja/chain';

export const NATIONAL_AGENCIES = [
  'migrationsverket',
  'skatteverket',
  'arbetsformedlingen',
  'forsakringskassan',
] as const;
export type NationalAgency = (typeof NATIONAL_AGENCIES)[number];

export const ACTOR_KINDS = [
  ...NATIONAL_AGENCIES,
  'municipality',
  'region',
  'county',
  'analyst',
  'platform',
] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export type ActorRef =
  | { readonly kind: NationalAgency | 'analyst' | 'platform' }
  | { readonly kind: 'municipality'; readonly municipalityCode: string; readonly countyCode: string }
  | { readonly kind: 'region' | 'county'; readonly countyCode: string };

export function isNationalAgency(kind: string): kind is NationalAgency {
  return (NATIONAL_AGENCIES as readonly string[]).includes(kind);
}

export function isActorKind(kind: string): kind is ActorKind {
  return (ACTOR_KINDS as readonly string[]).includes(kind);
}

// A kommunkod is the länskod followed by two digits (SCB), so the county needs no lookup table.
export function countyOfMunicipalityCode(municipalityCode: string): string {
  return municipalityCode.slice(0, 2);
}

export function parseActorRef(code: unknown): ActorRef | null {
  const actor = parseActor(code);
  if (actor === null) return null;
  return actor.kind === 'municipality'
    ? { kind: 'municipality', municipalityCode: actor.municipalityCode, countyCode: countyOfMunicipalityCode(actor.municipalityCode) }
    : actor;
}

export function actorCode(actor: ActorRef): string {
  switch (actor.kind) {
    case 'municipality':
      return `municipality:${actor.municipalityCode}`;
    case 'region':
    case 'county':
      return `${actor.kind}:${actor.countyCode}`;
    default:
      return actor.kind;
  }
}
