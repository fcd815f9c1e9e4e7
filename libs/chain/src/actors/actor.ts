import { isCountyCode } from '../code-lists/counties';
import { isMunicipalityCode } from '../code-lists/municipalities';

/** The agencies that report facts to the chain. */
export type PostingActorKind =
  | 'migrationsverket'
  | 'skatteverket'
  | 'municipality'
  | 'region'
  | 'arbetsformedlingen'
  | 'forsakringskassan';

export const POSTING_ACTOR_KINDS: readonly PostingActorKind[] = Object.freeze([
  'migrationsverket',
  'skatteverket',
  'municipality',
  'region',
  'arbetsformedlingen',
  'forsakringskassan',
]);

export type ActorKind = PostingActorKind | 'county' | 'analyst' | 'platform';

export type Actor =
  | { readonly kind: 'migrationsverket' }
  | { readonly kind: 'skatteverket' }
  | { readonly kind: 'arbetsformedlingen' }
  | { readonly kind: 'forsakringskassan' }
  | { readonly kind: 'municipality'; readonly municipalityCode: string }
  | { readonly kind: 'region'; readonly countyCode: string }
  | { readonly kind: 'county'; readonly countyCode: string }
  | { readonly kind: 'analyst' }
  | { readonly kind: 'platform' };

const PLAIN = new Set(['migrationsverket', 'skatteverket', 'arbetsformedlingen', 'forsakringskassan', 'analyst', 'platform']);

/** Parses an actor code of the contract (`municipality:2281`, `region:22`, ...); null when invalid. */
export function parseActor(code: unknown): Actor | null {
  if (typeof code !== 'string') return null;
  if (PLAIN.has(code)) return { kind: code } as Actor;
  const m = /^(municipality|region|county):(\d+)$/.exec(code);
  if (!m) return null;
  const [, kind, value] = m;
  if (kind === 'municipality') return isMunicipalityCode(value) ? { kind, municipalityCode: value } : null;
  if (kind === 'region') return isCountyCode(value) ? { kind, countyCode: value } : null;
  return isCountyCode(value) ? { kind: 'county', countyCode: value } : null;
}

export function isActorCode(code: unknown): code is string {
  return parseActor(code) !== null;
}

export function actorCode(actor: Actor): string {
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

export function isPostingActorKind(kind: string): kind is PostingActorKind {
  return (POSTING_ACTOR_KINDS as readonly string[]).includes(kind);
}
