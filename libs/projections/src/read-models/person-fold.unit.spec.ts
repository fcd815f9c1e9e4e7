import { replay, sortByEventTime, type RecordedEvent } from '@kedja/chain';
import type { StoredEvent } from '@kedja/event-store';
import { simulatedEvents } from '../testing/simulated-population';
import { foldInPlace } from './person-fold';
import { addEvent, addToHistory, chronological, compact, emptyPersonState, factsOf, stateOf, type CompactEvent } from './person-history';

/** A simulated population as per-person streams of stored events, in feed (recording) order. */
function population(persons: number, seed: number): StoredEvent[][] {
  const streams = new Map<string, StoredEvent[]>();
  for (const [index, { streamId, event }] of simulatedEvents(persons, seed).entries()) {
    let stream = streams.get(streamId);
    if (!stream) streams.set(streamId, (stream = []));
    stream.push({ ...event, position: String(index + 1), streamId, streamVersion: stream.length + 1, recordedTime: event.recordedTime as string, receivedTime: event.recordedTime as string });
  }
  return [...streams.values()];
}

/** A deterministic pseudo-random source (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Folds each stream event by event with `addEvent` and checks, after every event, the state
 * against the reference: the history as `addToHistory` keeps it and the chain's own fold of it.
 */
function checkStreams(streams: readonly StoredEvent[][]): { events: number; late: number; retractions: number } {
  let events = 0;
  let late = 0;
  let retractions = 0;
  for (const stream of streams) {
    let state = emptyPersonState();
    let reference: CompactEvent[] = [];
    let latest = -Infinity;
    for (const event of stream) {
      if (event.type === 'EventRetracted') retractions++;
      else if (Date.parse(event.eventTime) < latest) late++;
      else latest = Math.max(latest, Date.parse(event.eventTime));
      state = addEvent(state, event);
      reference = addToHistory(reference, event);
      expect(state.history).toEqual(reference);
      expect(state.facts).toStrictEqual(factsOf(reference));
      events++;
    }
    // A full fold of the kept history (what a retraction triggers) gives the same facts back.
    expect(stateOf([...state.history]).facts).toStrictEqual(state.facts);
  }
  return { events, late, retractions };
}

describe('incremental person fold (addEvent) against the full refold (chain replay)', () => {
  it('agrees after every event of a simulated population, late reports and retractions included', () => {
    const seen = checkStreams(population(400, 11));
    expect(seen.events).toBeGreaterThan(3000);
    expect(seen.late).toBeGreaterThan(50);
    expect(seen.retractions).toBeGreaterThan(5);
  });

  it('agrees when the streams are shuffled and sprinkled with retractions of earlier, later and unknown events', () => {
    const next = random(5);
    const streams = population(250, 23).map((stream) => {
      const shuffled = [...stream];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      const out: StoredEvent[] = [];
      for (const [i, event] of shuffled.entries()) {
        out.push(event);
        if (next() < 0.25) {
          // An earlier event of the stream, or one not recorded yet, or one that never exists.
          const pick = Math.floor(next() * shuffled.length);
          const target = next() < 0.1 ? { eventId: 'nothing', source: event.source } : shuffled[pick];
          out.push({ ...event, position: `${event.position}r${i}`, eventId: `retraction-${event.eventId}-${i}`, type: 'EventRetracted', data: { eventId: target.eventId, reason: 'test' } });
        }
      }
      // Same event times, in a different recording order: ties go by recording order.
      if (out.length > 2 && next() < 0.3) out.push({ ...out[1], eventId: `${out[1].eventId}-again`, eventTime: out[out.length - 1].eventTime });
      return out;
    });
    const seen = checkStreams(streams);
    expect(seen.late).toBeGreaterThan(500);
    expect(seen.retractions).toBeGreaterThan(300);
  });

  it('orders a history as the chain does (sortByEventTime): by event time, ties and unparsable times by recording order', () => {
    const next = random(9);
    for (const stream of population(200, 17)) {
      const events = [...stream];
      // Ties with an earlier event's time, and a time Date.parse cannot read.
      for (let i = 1; i < events.length; i++) if (next() < 0.2) events[i] = { ...events[i], eventTime: events[Math.floor(next() * i)].eventTime };
      if (events.length > 1 && next() < 0.3) events[0] = { ...events[0], eventTime: 'not a time' };
      const history = events.map(compact);
      expect(chronological(history)).toEqual(sortByEventTime(history as unknown as RecordedEvent[]));
    }
  });

  it('folds in place exactly as the chain replays, health events included', () => {
    for (const stream of population(200, 3)) {
      const events = stream.map(
        (e) => ({ eventId: e.eventId, source: e.source, type: e.type, time: e.eventTime, actor: String(e.metadata.actor), data: e.data }) as unknown as RecordedEvent,
      );
      for (let n = 1; n <= events.length; n++) {
        const sorted = sortByEventTime(events.slice(0, n));
        expect(foldInPlace(sorted)).toStrictEqual(replay(sorted).facts);
      }
    }
  });
});
