import { instant } from '../catalogue/dates';
import type { PersonFacts, PersonState, RecordedEvent } from './state';

/*
 * Two caches that keep the recording path from doing the same work twice. Both are keyed by
 * object identity of immutable values, so they never change a result: each holds exactly what
 * the function that reads it would otherwise compute.
 */

/** The latest event time (ms) over a history array; histories are never mutated. */
const latestByHistory = new WeakMap<readonly RecordedEvent[], number>();

export function latestInstant(history: readonly RecordedEvent[]): number {
  let latest = latestByHistory.get(history);
  if (latest === undefined) {
    latest = Number.NEGATIVE_INFINITY;
    for (const e of history) latest = Math.max(latest, instant(e.time));
    latestByHistory.set(history, latest);
  }
  return latest;
}

/** Records the latest time of `history`, built as `previous` plus `added`, without a scan. */
export function extendLatest(history: readonly RecordedEvent[], previous: readonly RecordedEvent[], added: RecordedEvent): void {
  const before = latestByHistory.get(previous);
  if (before !== undefined) latestByHistory.set(history, Math.max(before, instant(added.time)));
}

/**
 * The facts `evolve(base, event)` will produce, when `decide` already computed them while
 * checking the rules for that very event object against that very state: the recorder decides
 * and then evolves, and both would otherwise step (or replay) the same history.
 */
const factsAfter = new WeakMap<RecordedEvent, { readonly base: PersonState; readonly facts: PersonFacts }>();

export function rememberFactsAfter(event: RecordedEvent, base: PersonState, facts: PersonFacts): void {
  factsAfter.set(event, { base, facts });
}

export function recalledFactsAfter(event: RecordedEvent, base: PersonState): PersonFacts | undefined {
  const entry = factsAfter.get(event);
  return entry !== undefined && entry.base === base ? entry.facts : undefined;
}
