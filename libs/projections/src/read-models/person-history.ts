import { NATIONAL_AGENCIES, isInScope } from '@kedja/access';
import { replay, residentMunicipality, type PersonFacts, type RecordedEvent } from '@kedja/chain';
import type { LogEvent } from '@kedja/event-store';
import { emptyDraft, foldInPlace, stepInPlace, type DraftFacts } from './person-fold';

/**
 * What a view holds of a person's history while folding them (in memory; rows keep none), so it
 * can fold the person again when an event is retracted or reported late: the effective events in
 * recording order, minus what no view needs (the actor, among others). Direct identifiers (the
 * personnummer) and citizenship are dropped, so nothing derived from the history can carry them,
 * and health facts are left out because no view is built on them.
 */
export interface CompactEvent {
  readonly eventId: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  /** `time` parsed (ms), once: a refold sorts the whole history by it. */
  readonly at: number;
  readonly data: Readonly<Record<string, unknown>>;
}

const DROPPED_FIELDS = new Set(['personalIdentityNumber', 'citizenship']);
const UNUSED_TYPES = new Set(['HealthExaminationOffered', 'HealthExaminationCompleted']);

/**
 * One copy of each source and type string: every event read from the log brings fresh copies of
 * the few there are, and a rebuild holds every person's history until its commit, so sharing them
 * spares the collector copying and promoting two strings per event. Bounded, for odd sources.
 */
const INTERNED = new Map<string, string>();
function interned(text: string): string {
  const known = INTERNED.get(text);
  if (known !== undefined) return known;
  if (INTERNED.size < 10_000) INTERNED.set(text, text);
  return text;
}

export function compact(event: LogEvent): CompactEvent {
  // Most events carry none of the dropped fields: their data is kept as it is (never modified).
  let data: Readonly<Record<string, unknown>> = event.data;
  for (const key of DROPPED_FIELDS) {
    if (Object.hasOwn(event.data, key)) {
      const kept: Record<string, unknown> = {};
      for (const [k, value] of Object.entries(event.data)) if (!DROPPED_FIELDS.has(k)) kept[k] = value;
      data = kept;
      break;
    }
  }
  return { eventId: event.eventId, source: interned(event.source), type: interned(event.type), time: event.eventTime, at: Date.parse(event.eventTime), data };
}

/** The history after one more event: a retraction removes its target (same source and id). */
export function addToHistory(history: readonly CompactEvent[], event: LogEvent): CompactEvent[] {
  if (event.type === 'EventRetracted') {
    const target = String(event.data.eventId);
    return history.filter((e) => !(e.source === event.source && e.eventId === target));
  }
  if (UNUSED_TYPES.has(event.type)) return [...history];
  return [...history, compact(event)];
}

/**
 * Event-time order, ties by recording order: the chain's `sortByEventTime`, on the times parsed
 * once in `compact` rather than through the chain's shared cache of parsed times. A rebuild
 * refolds a person for every event reported after a later one (a tenth of the simulated log), so
 * that cache mostly missed and was cleared every 100,000 times (a fifth of a rebuild's fold in
 * profiles), and parsing here instead parsed each event again at every refold.
 */
export function chronological(history: readonly CompactEvent[]): CompactEvent[] {
  const order = history.map((_, i) => i);
  order.sort((a, b) => history[a].at - history[b].at || a - b);
  return order.map((i) => history[i]);
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
  // The scope rule's listing (Amendments v1.1): a registration outranks a settlement elsewhere,
  // and a settlement claim lists nobody.
  const residence = residentMunicipality(history) ?? null;
  const agencies = NATIONAL_AGENCIES.filter((kind) => isInScope({ kind }, history));
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

/**
 * A person as a read model holds them while folding: the compact history (recording order) and
 * the facts it gives, folded in place (person-fold.ts). `latest` is the latest event time in the
 * history (ms; -Infinity when empty). The holder owns both: `addEvent` updates them in place.
 */
export interface PersonState {
  history: CompactEvent[];
  facts: DraftFacts;
  latest: number;
}

export function emptyPersonState(): PersonState {
  return { history: [], facts: emptyDraft(), latest: -Infinity };
}

/** The state of a stored history: a full fold, as `factsOf`. */
export function stateOf(history: CompactEvent[]): PersonState {
  let latest = -Infinity;
  for (const e of history) {
    const t = e.at;
    // NaN (never stored: times are validated) makes every later event refold.
    if (!(t <= latest)) latest = t;
  }
  return { history, facts: foldInPlace(chronological(history) as unknown as RecordedEvent[]), latest };
}

/**
 * The state after one more event; equal to `stateOf(addToHistory(history, event))` (and its facts
 * to `factsOf`), which the tests check over simulated populations. An event no earlier than every
 * event in the history sorts last in `chronological` (ties go by recording order, and it is the
 * latest recorded), so the facts are one step further; a retraction, or an event reported after a
 * later one, refolds the effective history from scratch, as a person's facts are defined.
 */
export function addEvent(state: PersonState, event: LogEvent): PersonState {
  if (event.type === 'EventRetracted') {
    const history = addToHistory(state.history, event);
    return history.length === state.history.length ? state : stateOf(history);
  }
  if (UNUSED_TYPES.has(event.type)) return state;
  const compacted = compact(event);
  const t = compacted.at;
  state.history.push(compacted);
  if (t >= state.latest) {
    state.latest = t;
    stepInPlace(state.facts, compacted as unknown as RecordedEvent);
  } else {
    // Reported after a later event: refolded, and the latest time stays what it was (NaN, never
    // stored since times are validated, makes every later event refold too, as in stateOf).
    if (Number.isNaN(t)) state.latest = NaN;
    state.facts = foldInPlace(chronological(state.history) as unknown as RecordedEvent[]);
  }
  return state;
}
