// Actor codes as fixed by CONTRACT.md "Identity and access" and DOMAIN.md "Actors". Only the
// shape is checked here (4-digit kommunkod, 2-digit länskod): @kedja/chain owns the code lists,
// and access must not depend on the domain library so that it can be reasoned about on its own.

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

const MUNICIPALITY_CODE = /^\d{4}$/;
const COUNTY_CODE = /^\d{2}$/;

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
  if (typeof code !== 'string') return null;
  const colon = code.indexOf(':');
  if (colon < 0) {
    if (isNationalAgency(code) || code === 'analyst' || code === 'platform') return { kind: code };
    return null;
  }
  const kind = code.slice(0, colon);
  const value = code.slice(colon + 1);
  switch (kind) {
    case 'municipality':
      return MUNICIPALITY_CODE.test(value)
        ? { kind, municipalityCode: value, countyCode: countyOfMunicipalityCode(value) }
        : null;
    case 'region':
    case 'county':
      return COUNTY_CODE.test(value) ? { kind, countyCode: value } : null;
    default:
      return null;
  }
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
