import { instant } from '../catalogue/dates';
import type { PersonFacts, PersonState, RecordedEvent } from './state';
import { applyFact, emptyDraft, type DraftFacts } from './apply-fact';

export interface StepResult {
  readonly facts: PersonFacts;
  /** Set when the event breaks a recording rule against the facts before it; the facts are then unchanged. */
  readonly violation?: string;
}

/**
 * Applies one fact to immutable facts: a new facts object, or the same one with the rule the
 * event breaks. The facts and rules themselves are `applyFact` (apply-fact.ts), which read models
 * also use to fold in place.
 */
export function step(f: PersonFacts, e: RecordedEvent): StepResult {
  if (e.type === 'EventRetracted') return { facts: f };
  const next = { ...f } as DraftFacts;
  const violation = applyFact(next, e, false);
  return violation === undefined ? { facts: next } : { facts: f, violation };
}

export function retractionKey(source: string, eventId: string): string {
  return `${source}\u0000${eventId}`;
}

/** The events that count: not retracted, not retractions, in event-time order (ties by recording order). */
export function effectiveEvents(state: Pick<PersonState, 'history' | 'retractions'>): RecordedEvent[] {
  const gone = new Set(state.retractions.map((r) => retractionKey(r.source, r.eventId)));
  return sortByEventTime(state.history.filter((e) => e.type !== 'EventRetracted' && !gone.has(retractionKey(e.source, e.eventId))));
}

export function sortByEventTime(events: readonly RecordedEvent[]): RecordedEvent[] {
  return events
    .map((e, i) => ({ e, i, t: instant(e.time) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.e);
}

export interface Replay {
  readonly facts: PersonFacts;
  /** Events that broke a rule when replayed, by retraction key, with the rule. */
  readonly violations: ReadonlyMap<string, string>;
}

/**
 * Folds events already in event-time order. The facts are replay's own until it returns, so it
 * folds them in place (as `step` would, without a copy per event: replays run for every decision
 * and every timeline summary); an event that breaks a rule leaves them as they were.
 */
export function replay(events: readonly RecordedEvent[]): Replay {
  const facts = emptyDraft();
  const violations = new Map<string, string>();
  for (const e of events) {
    if (e.type === 'EventRetracted') continue;
    const violation = applyFact(facts, e, true);
    if (violation) violations.set(retractionKey(e.source, e.eventId), violation);
  }
  return { facts, violations };
}

/** The facts as they stood at an event time, counting only events that happened up to then. */
export function factsAsOf(state: PersonState, time: string): PersonFacts {
  const t = instant(time);
  return replay(effectiveEvents(state).filter((e) => instant(e.time) <= t)).facts;
}
