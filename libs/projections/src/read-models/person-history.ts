import { NATIONAL_AGENCIES, scopeFor } from '@kedja/access';
import { replay, sortByEventTime, type PersonFacts, type RecordedEvent } from '@kedja/chain';
import type { StoredEvent } from '@kedja/event-store';

/**
 * What a view row keeps of a person's history so that it can fold the person again when an event
 * is retracted or reported late: the effective events in recording order, minus what no view
 * needs. Direct identifiers (the personnummer) and citizenship are dropped: a read model must not
 * become a second copy of them (erasure reaches the log, not every table), and health facts are
 * left out because no view is built on them.
 */
export interface CompactEvent {
  readonly eventId: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly actor: string;
  readonly data: Readonly<Record<string, unknown>>;
}

const DROPPED_FIELDS = new Set(['personalIdentityNumber', 'citizenship']);
const UNUSED_TYPES = new Set(['HealthExaminationOffered', 'HealthExaminationCompleted']);

export function compact(event: StoredEvent): CompactEvent {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.data)) if (!DROPPED_FIELDS.has(key)) data[key] = value;
  return { eventId: event.eventId, source: event.source, type: event.type, time: event.eventTime, actor: event.metadata.actor, data };
}

/** The history after one more event: a retraction removes its target (same source and id). */
export function addToHistory(history: readonly CompactEvent[], event: StoredEvent): CompactEvent[] {
  if (event.type === 'EventRetracted') {
    const target = String(event.data.eventId);
    return history.filter((e) => !(e.source === event.source && e.eventId === target));
  }
  if (UNUSED_TYPES.has(event.type)) return [...history];
  return [...history, compact(event)];
}

/** Event-time order, ties by recording order. */
export function chronological(history: readonly CompactEvent[]): CompactEvent[] {
  return sortByEventTime(history as unknown as RecordedEvent[]) as unknown as CompactEvent[];
}

export function factsOf(history: readonly CompactEvent[]): PersonFacts {
  return replay(chronological(history) as unknown as RecordedEvent[]).facts;
}

/** Who may list the person now: the columns every view filters its scope on. */
export interface Placement {
  /** Where the person lives: the latest registration, move or settlement. */
  readonly residenceMunicipality: string | null;
  /** An assignment not yet followed by taking up residence anywhere. */
  readonly openAssignment: string | null;
  readonly residenceCounty: string | null;
  /** `|agency|...|`: the national agencies whose mandate covers the person (see @kedja/access scopeFor). */
  readonly mandates: string;
}

export function placementOf(history: readonly CompactEvent[], facts: PersonFacts): Placement {
  const links = facts.municipalityHistory;
  const last = links.length > 0 ? links[links.length - 1] : undefined;
  const residence = facts.residenceMunicipalityCode ?? null;
  const scoped = history.map((e) => ({ type: e.type, time: e.time, data: e.data }));
  const agencies = NATIONAL_AGENCIES.filter((kind) => scopeFor({ kind }, scoped).inScope);
  return {
    residenceMunicipality: residence,
    openAssignment: last?.link === 'assigned' ? last.municipalityCode : null,
    residenceCounty: residence ? residence.slice(0, 2) : null,
    mandates: `|${agencies.join('|')}|`,
  };
}

export const DAY_MS = 86_400_000;

export function dateOf(time: string): string {
  return new Date(Date.parse(time)).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (floor); dates count from their midnight UTC. */
export function daysBetween(from: string, to: string | number): number {
  const end = typeof to === 'number' ? to : Date.parse(to);
  return Math.floor((end - Date.parse(from)) / DAY_MS);
}
