import fc from 'fast-check';
import { compareAsOf, timeToEvent, type PersonHistory } from '@kedja/analytics';
import { employed, opened, permit, person } from '../../../analytics/src/testing/histories';
import { controlComparison } from './compare';
import { controlTimeToEvent } from './time-to-event';

const QUERY = { from: 'ResidencePermitGranted', to: 'EmploymentStarted', groupBy: 'gender' };
const A = '2018-01-01T00:00:00Z';
const B = '2020-01-01T00:00:00Z';
const iso = (day: number) => new Date(Date.UTC(2016, 0, 1) + day * 86_400_000).toISOString();

/** Permits and jobs reported on time or up to three years late, so that people enter and gain events between A and B. */
const someone = fc.record({
  gender: fc.constantFrom('female', 'male'),
  permitDay: fc.integer({ min: 0, max: 600 }),
  permitLate: fc.integer({ min: 0, max: 900 }),
  job: fc.option(fc.record({ after: fc.integer({ min: 0, max: 600 }), late: fc.integer({ min: 0, max: 900 }) })),
});
type Someone = typeof someone extends fc.Arbitrary<infer T> ? T : never;

function history(p: Someone): PersonHistory {
  const events = [opened('2015-06-01T00:00:00Z', { gender: p.gender }), permit(iso(p.permitDay), { recordedTime: iso(p.permitDay + p.permitLate) })];
  if (p.job) events.push(employed(iso(p.permitDay + p.job.after), { recordedTime: iso(p.permitDay + p.job.after + p.job.late) }));
  return person(...events);
}

describe('compareAsOf per group', () => {
  it('n at B − n at A = entered − left in every group', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(someone, { maxLength: 60 }), async (people) => {
        const histories = people.map(history);
        const c = await compareAsOf(histories, QUERY, A, B);
        for (const g of c.groups) expect(g.n.b - g.n.a).toBe(g.people.entered - g.people.left);
        const moved = c.groups.reduce((s, g) => s + g.people.gainedEvent, 0);
        expect(moved).toBe(c.people.gainedEvent); // nobody changes gender between A and B here
      }),
      { numRuns: 100 },
    );
  });
});

describe('controlComparison (property-based)', () => {
  it('releases each side exactly as the time-to-event answer for that asOf, and no movement count of 1 to k − 1, derived or not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(someone, { maxLength: 80 }), fc.constantFrom(3, 5, 10), async (people, k) => {
        const histories = people.map(history);
        const c = await compareAsOf(histories, QUERY, A, B);
        const controlled = controlComparison(c, ['gender'], k);
        const sideA = controlTimeToEvent(await timeToEvent(histories, { ...QUERY, asOf: A }, A), ['gender'], k);
        const sideB = controlTimeToEvent(await timeToEvent(histories, { ...QUERY, asOf: B }, B), ['gender'], k);
        const small = (v: number | null | undefined) => v !== null && v !== undefined && v > 0 && v < k;
        for (const g of controlled.groups) {
          const a = sideA.groups.find((x) => JSON.stringify(x.key) === JSON.stringify(g.key));
          const b = sideB.groups.find((x) => JSON.stringify(x.key) === JSON.stringify(g.key));
          expect(g.n).toEqual({ a: a ? a.n : 0, b: b ? b.n : 0 });
          expect(g.median.a).toBe(a?.median ?? null);
          // What the reader knows: both sides' n (from this answer or the two time-to-event answers) and the movements.
          const known: Record<string, number | null> = { na: g.n.a, nb: g.n.b, ...g.people, stayed: null, unchanged: null };
          const equations: Array<[string, string[]]> = [
            ['na', ['left', 'stayed']],
            ['nb', ['entered', 'stayed']],
            ['stayed', ['gainedEvent', 'lostEvent', 'durationChanged', 'unchanged']],
          ];
          for (let changed = true; changed; ) {
            changed = false;
            for (const [parent, children] of equations) {
              const members = [parent, ...children];
              const unknown = members.filter((m) => known[m] === null);
              if (unknown.length !== 1) continue;
              const [u] = unknown;
              const sum = children.reduce((s, m) => s + (m === u ? 0 : known[m]!), 0);
              known[u] = u === parent ? sum : known[parent]! - sum;
              changed = true;
            }
          }
          const leaks = Object.entries(known).filter(([, v]) => small(v));
          expect({ key: g.key, leaks }).toEqual({ key: g.key, leaks: [] });
        }
      }),
      { numRuns: 150 },
    );
  });
});
