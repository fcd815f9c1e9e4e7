import { instant } from '../catalogue/dates';
import { effectiveEvents, replay, step } from './facts';
import { extendLatest, recalledFactsAfter } from './memo';
import type { PersonState, RecordedEvent } from './state';

/**
 * Adds a recorded event to the person's state. A retraction removes the retracted event's effects
 * by folding the remaining effective history again; an event that arrives in event-time order is
 * applied incrementally, a late-reported one (earlier event time) triggers a refold.
 */
export function evolve(state: PersonState, recorded: RecordedEvent): PersonState {
  const history = [...state.history, recorded];
  extendLatest(history, state.history, recorded);
  const base = { exists: true, version: state.version + 1, history };
  if (recorded.type === 'EventRetracted') {
    const retractions = [
      ...state.retractions,
      { source: recorded.source, eventId: recorded.data.eventId, retractedBy: recorded.eventId, at: recorded.time },
    ];
    return { ...base, retractions, facts: replay(effectiveEvents({ history, retractions })).facts };
  }
  const known = recalledFactsAfter(recorded, state);
  if (known !== undefined) return { ...base, retractions: state.retractions, facts: known };
  const last = state.facts.lastEventAt;
  if (last === undefined || instant(recorded.time) >= instant(last)) {
    return { ...base, retractions: state.retractions, facts: step(state.facts, recorded).facts };
  }
  return { ...base, retractions: state.retractions, facts: replay(effectiveEvents({ history, retractions: state.retractions })).facts };
}

export function foldPerson(events: Iterable<RecordedEvent>): PersonState {
  let state: PersonState = { exists: false, version: 0, history: [], retractions: [], facts: replay([]).facts };
  for (const e of events) state = evolve(state, e);
  return state;
}
