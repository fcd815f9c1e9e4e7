import fc from 'fast-check';
import { ACTOR_OF_KIND, deepFreeze } from '../testing/actors';
import { actorCode, parseActor } from '../actors/actor';
import { CATALOGUE, EVENT_TYPES, EXAMPLES, type EventType } from '../catalogue';
import { instant } from '../catalogue/dates';
import { decide } from './decide';
import { evolve } from './evolve';
import { latestInstant } from './memo';
import { initialState, type PersonState, type RecordedEvent } from './state';

const FACT_TYPES = EVENT_TYPES.filter((t) => t !== 'EventRetracted' && t !== 'MigrationCaseOpened');
const DAY = 86_400_000;

interface Step { readonly type: EventType | 'retract'; readonly day: number; readonly pick: number }

/**
 * Given a person's events posted in any event-time order (late reports, retractions), when the
 * recorder evolves with the decision's own event (so `evolve` reuses the facts `decide` computed),
 * then the state equals the one `evolve` computes from scratch, and the latest-time cache equals
 * a scan of the history.
 */
describe('decide/evolve caches', () => {
  it('never change a state or a decision', () => {
    const step = fc.record({
      type: fc.constantFrom<EventType | 'retract'>(...FACT_TYPES, 'retract'),
      day: fc.integer({ min: 0, max: 1500 }),
      pick: fc.nat(),
    });
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps: Step[]) => {
      let cached: PersonState = initialState;
      let fresh: PersonState = initialState;
      const posted: RecordedEvent[] = [];
      const all: Step[] = [{ type: 'MigrationCaseOpened', day: 0, pick: 0 }, ...steps];
      all.forEach((s, index) => {
        const time = new Date(Date.UTC(2020, 0, 1) + s.day * DAY + index * 1000).toISOString();
        let type: EventType;
        let data: object;
        let actor: string;
        let source: string;
        if (s.type === 'retract') {
          if (posted.length === 0) return;
          const target = posted[s.pick % posted.length];
          type = 'EventRetracted';
          data = { eventId: target.eventId, reason: 'erroneous' };
          actor = typeof target.actor === 'string' ? target.actor : actorCode(target.actor);
          source = target.source;
        } else {
          type = s.type;
          data = EXAMPLES[type];
          actor = ACTOR_OF_KIND[CATALOGUE[type].postedBy[0]];
          source = `urn:test:${actor}`;
        }
        const command = { type, data, eventId: `e${index}`, source, time, actor: parseActor(actor)!, now: '2026-01-01T00:00:00Z' } as never;
        const a = decide(command, cached);
        const b = decide(command, fresh);
        expect(a.ok ? 'ok' : a.code).toBe(b.ok ? 'ok' : b.code);
        if (!a.ok || !b.ok) return;
        // step never changes the facts it is given (applyFact copies before it changes anything
        // nested): frozen, any change would throw.
        deepFreeze(fresh.facts);
        cached = evolve(cached, a.events[0]);
        fresh = evolve(fresh, { ...b.events[0] });
        expect(cached.facts).toEqual(fresh.facts);
        expect(cached.history).toEqual(fresh.history);
        expect(latestInstant(cached.history)).toBe(Math.max(...cached.history.map((e) => instant(e.time))));
        if (type !== 'EventRetracted') posted.push(a.events[0]);
      });
    }), { numRuns: 500 });
  });
});
