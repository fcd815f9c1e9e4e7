import { applyFact, emptyDraft, type DraftFacts, type RecordedEvent } from '@kedja/chain';

/*
 * A read model's fold of a person's facts: the chain's own rules (`applyFact`), applied in place
 * to one object per person, since a read model owns the facts it folds. The chain's `step` copies
 * the facts for every event, which made it most of a rebuild's CPU.
 */
export { emptyDraft, type DraftFacts };

/** Applies one event to `f` in place, as the chain's `step` does (a rejected event changes nothing). */
export function stepInPlace(f: DraftFacts, e: RecordedEvent): void {
  applyFact(f, e, true);
}

/** The chain's `replay(events).facts` for events already in event-time order. */
export function foldInPlace(events: readonly RecordedEvent[]): DraftFacts {
  const f = emptyDraft();
  for (const e of events) applyFact(f, e, true);
  return f;
}
