import fc from 'fast-check';
import { ACTOR_OF_KIND, deepFreeze } from '../testing/actors';
import { CATALOGUE, EVENT_TYPES, EXAMPLES, type EventType } from '../catalogue';
import { replay, retractionKey, step } from './facts';
import { EMPTY_FACTS, type PersonFacts, type RecordedEvent } from './state';

const DAY = 86_400_000;

/**
 * Given any sequence of events, rule-breaking ones included (ending what is not open, starting what
 * is open), when replay folds them in place, then its facts and violations are those of folding
 * them with the immutable `step`, and no event is changed (frozen, any change would throw).
 */
describe('replay', () => {
  it('folds in place exactly as step does, and never changes an event', () => {
    const arbitraryEvent = fc.record({ type: fc.constantFrom<EventType>(...EVENT_TYPES), day: fc.integer({ min: 0, max: 1500 }) });
    fc.assert(
      fc.property(fc.array(arbitraryEvent, { maxLength: 40 }), (drawn) => {
        const events: RecordedEvent[] = drawn
          .map(({ type, day }, index) => {
            const actor = ACTOR_OF_KIND[CATALOGUE[type].postedBy[0]];
            return {
              eventId: `e${index}`,
              source: `urn:test:${actor}`,
              type,
              time: new Date(Date.UTC(2020, 0, 1) + day * DAY).toISOString(),
              data: structuredClone(EXAMPLES[type]),
              actor,
            } as unknown as RecordedEvent;
          })
          .sort((a, b) => a.time.localeCompare(b.time));
        deepFreeze(events);
        let expected: PersonFacts = EMPTY_FACTS;
        const expectedViolations = new Map<string, string>();
        for (const e of events) {
          const r = step(expected, e);
          expected = r.facts;
          if (r.violation) expectedViolations.set(retractionKey(e.source, e.eventId), r.violation);
        }
        const replayed = replay(events);
        expect(replayed.facts).toEqual(expected);
        expect(replayed.violations).toEqual(expectedViolations);
      }),
      { numRuns: 1000 },
    );
  });
});
