import fc from 'fast-check';
import { kaplanMeier, shareByHorizon, survivalQuantiles, timeToEvent, type PersonHistory, type TimeToEventGroup, type TimeToEventResult } from '@kedja/analytics';
import { closed, employed, event, opened, permit, person as history } from '../../../analytics/src/testing/histories';
import { checkMinCell } from './threshold';
import { SuppressionTable } from './suppression';
import { controlTimeToEvent, releasedCurve } from './time-to-event';
import { controlCount, controlOverviewRow } from './overview';
import { attackTimeToEvent, type TrueGroup } from './testing/attacker';

interface Person {
  readonly gender: string;
  readonly ageBand: string;
  readonly days: number;
  readonly event: boolean;
}

const HORIZONS = [10, 30, 60];

/** What the analytics library answers for these people, grouped as the accumulator groups them. */
function analyse(people: readonly Person[], groupBy: readonly ('gender' | 'ageBand')[]): { result: TimeToEventResult; truth: TrueGroup[] } {
  const groups = new Map<string, { key: Record<string, string>; people: Person[] }>();
  for (const p of people) {
    const key = Object.fromEntries(groupBy.map((g) => [g, p[g]]));
    const id = JSON.stringify(key);
    groups.set(id, { key, people: [...(groups.get(id)?.people ?? []), p] });
  }
  if (groups.size === 0 && groupBy.length === 0) groups.set('{}', { key: {}, people: [] });
  const out: TimeToEventGroup[] = [...groups.values()].map(({ key, people: ps }) => {
    const km = kaplanMeier(ps.map((p) => ({ time: p.days, event: p.event })));
    return { key, n: km.n, events: km.events, censored: km.censored, median: km.median, medianCi: km.medianCi, curve: km.curve, horizons: shareByHorizon(km.curve, HORIZONS) };
  });
  return { result: { asOf: '2020-01-01T00:00:00Z', groups: out }, truth: out.map((g) => ({ key: g.key, n: g.n, events: g.events, censored: g.censored })) };
}

const person = fc.record({
  gender: fc.constantFrom('female', 'male', 'unspecified'),
  ageBand: fc.constantFrom('18-19', '20-24', '25-34'),
  // Few distinct days so that ties, single-event days and small tails all occur.
  days: fc.integer({ min: 0, max: 40 }),
  event: fc.boolean(),
});
const population = fc.array(person, { minLength: 0, maxLength: 120 });
const groupings = fc.constantFrom<('gender' | 'ageBand')[]>([], ['gender'], ['ageBand'], ['gender', 'ageBand']);
const thresholds = fc.constantFrom(3, 5, 10);

describe('disclosure control of time-to-event answers (property-based)', () => {
  it('never releases a count of 1 to k − 1, nor one that follows by differencing, for k = 3, 5, 10', () => {
    fc.assert(
      fc.property(population, groupings, thresholds, (people, groupBy, k) => {
        const { result, truth } = analyse(people, groupBy);
        const controlled = controlTimeToEvent(result, groupBy, k);
        expect(attackTimeToEvent(controlled.groups, truth, groupBy, k)).toEqual([]);
        expect(controlled.disclosure).toEqual({ minCell: k });
      }),
      { numRuns: 400 },
    );
  });

  it('releases only true values: published counts are the estimator\'s, curve steps are its steps', () => {
    fc.assert(
      fc.property(population, groupings, thresholds, (people, groupBy, k) => {
        const { result } = analyse(people, groupBy);
        const controlled = controlTimeToEvent(result, groupBy, k);
        expect(controlled.groups.map((g) => g.key)).toEqual(result.groups.map((g) => g.key));
        controlled.groups.forEach((g, i) => {
          const raw = result.groups[i];
          if (g.n !== null) expect(g.n).toBe(raw.n);
          if (g.events !== null) expect([g.events, g.censored]).toEqual([raw.events, raw.censored]);
          if (g.n === null) expect([g.events, g.censored, g.median, g.curve]).toEqual([null, null, null, []]);
          // Every number on the curve follows from the published counts alone: S is the product of
          // (1 − events/atRisk) over the released steps; with no censoring before a step it is the
          // estimator's own value there.
          let s = 1;
          let censoredBefore = 0;
          for (const row of g.curve) {
            const step = raw.curve.find((r) => r.day === row.day)!;
            expect(step).toBeDefined();
            s *= 1 - row.events / row.atRisk;
            expect(row.survival).toBeCloseTo(s, 12);
            censoredBefore += row.censored;
            if (censoredBefore === 0) {
              // Products and Greenwood sums telescope over a pooled step without censoring.
              expect(row.survival).toBeCloseTo(step.survival, 12);
              expect(row.lower).toBeCloseTo(step.lower, 9);
              expect(row.upper).toBeCloseTo(step.upper, 9);
            }
            expect(row.atRisk).toBeGreaterThanOrEqual(k);
          }
          if ((g.suppressedFields ?? []).length > 0) expect(g.suppressed).toBe(true);
          else expect(g.suppressed).toBeUndefined();
        });
      }),
      { numRuns: 300 },
    );
  });

  it('a group of fewer than k is withheld whole, with "suppressed": true', () => {
    const { result } = analyse(
      [
        ...Array.from({ length: 20 }, (_, i) => ({ gender: 'female', ageBand: '20-24', days: i, event: i % 2 === 0 })),
        ...Array.from({ length: 20 }, (_, i) => ({ gender: 'male', ageBand: '20-24', days: i, event: i % 3 === 0 })),
        { gender: 'unspecified', ageBand: '20-24', days: 7, event: true },
      ],
      ['gender'],
    );
    const controlled = controlTimeToEvent(result, ['gender'], 5);
    const unspecified = controlled.groups.find((g) => g.key.gender === 'unspecified')!;
    expect(unspecified).toMatchObject({ n: null, events: null, censored: null, median: null, curve: [], suppressed: true });
    expect(unspecified.horizons.every((h) => h.share === null)).toBe(true);
    // The ungrouped total minus the published groups would give 1: a complement is withheld too.
    expect(controlled.groups.filter((g) => g.n === null)).toHaveLength(2);
  });

  it('one event on a day never shows as a step of one', () => {
    const km = kaplanMeier(Array.from({ length: 30 }, (_, i) => ({ time: i + 1, event: true })));
    const curve = releasedCurve(km.curve, 5);
    expect(curve.map((r) => [r.day, r.atRisk, r.events])).toEqual([
      [5, 30, 5],
      [10, 25, 5],
      [15, 20, 5],
      [20, 15, 5],
      [25, 10, 5],
    ]);
    // Day 26 has 5 at risk, but pooling it needs day 27, where 4 are: the curve stops at 25.
  });

  it('the estimate on a pooled step does not tell where its censorings fell', () => {
    // 12 people; one event on day 1, three censored on day 2, two events on day 3 — or the three
    // censored on day 3 instead. Unpooled, S(3) differs (11/12 · 6/8 against 9/12); the released
    // step (day 3: 12 at risk, 3 events, 3 censored) must be the same for both.
    const rest = Array.from({ length: 6 }, () => ({ time: 20, event: false }));
    const early = kaplanMeier([{ time: 1, event: true }, ...[2, 2, 2].map((time) => ({ time, event: false })), { time: 3, event: true }, { time: 3, event: true }, ...rest]);
    const late = kaplanMeier([{ time: 1, event: true }, ...[3, 3, 3].map((time) => ({ time, event: false })), { time: 3, event: true }, { time: 3, event: true }, ...rest]);
    expect(early.curve.find((r) => r.day === 3)!.survival).not.toBeCloseTo(late.curve.find((r) => r.day === 3)!.survival, 6);
    const [a, b] = [releasedCurve(early.curve, 3), releasedCurve(late.curve, 3)];
    expect(a[0]).toMatchObject({ day: 3, atRisk: 12, events: 3, censored: 3 });
    expect(a).toEqual(b);
  });

  it('events and censorings are withheld (not n) when one of them is 1 to k − 1', () => {
    const { result } = analyse(
      Array.from({ length: 12 }, (_, i) => ({ gender: 'f', ageBand: 'a', days: i, event: i !== 3 })),
      [],
    );
    const [g] = controlTimeToEvent(result, [], 5).groups;
    expect([g.n, g.events, g.censored]).toEqual([12, null, null]);
    expect(g.suppressedFields).toEqual(expect.arrayContaining(['events', 'censored']));
  });
});

describe('the suppression engine', () => {
  it('withholds a complement when a small cell follows from a published total', () => {
    const t = new SuppressionTable()
      .cell('total', { value: 30, kind: 'published' })
      .cell('a', { value: 2, kind: 'published' })
      .cell('b', { value: 20, kind: 'published' })
      .cell('c', { value: 8, kind: 'published' })
      .sum('total', ['a', 'b', 'c']);
    expect([...t.solve(5)].sort()).toEqual(['a', 'c']);
  });

  it('follows chains of differences through implicit cells', () => {
    const t = new SuppressionTable()
      .cell('people', { value: 40, kind: 'published' })
      .cell('received', { value: 37, kind: 'published' })
      .cell('rest', { value: 3, kind: 'implicit' })
      .sum('people', ['received', 'rest']);
    expect(t.solve(5).size).toBe(1);
  });
});

describe('disclosure control of the county overview', () => {
  const row = (people: number, total: number, assigned: number, selfArranged: number) =>
    controlOverviewRow({ people, received: { total, assigned, selfArranged }, assigned: 9, medianDays: { a: { value: 20, from: total } }, openGaps: { gaps: 7, people: 3 } }, 5);

  it('property: no published or derivable count of 1 to k − 1 in a row', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), thresholds, (a, s, other, notReceived, k) => {
        const total = a + s + other;
        const out = controlOverviewRow({ people: total + notReceived, received: { total, assigned: a, selfArranged: s }, assigned: a, medianDays: { m: { value: 1, from: total } }, openGaps: { gaps: a, people: s } }, k);
        const small = (v: number | null) => v !== null && v > 0 && v < k;
        const r = out.received;
        const derived = [
          out.people, r.total, r.assigned, r.selfArranged, out.assigned, out.openGaps,
          out.people !== null && r.total !== null ? out.people - r.total : null,
          r.total !== null && r.assigned !== null && r.selfArranged !== null ? r.total - r.assigned - r.selfArranged : null,
        ];
        expect(derived.filter(small)).toEqual([]);
        if (total > 0 && total < k) expect(out.medianDays.m).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('withholds self-arranged 2 and its complement; the gaps of 3 people', () => {
    const out = row(30, 22, 20, 2);
    expect(out.received).toEqual({ total: 22, assigned: null, selfArranged: null });
    expect(out.openGaps).toBeNull();
    expect(out.suppressed).toBe(true);
    expect(out.suppressedFields).toEqual(expect.arrayContaining(['received.assigned', 'received.selfArranged', 'openGaps']));
  });

  it('an anomaly count of 1 to 4 is null and suppressed', () => {
    expect(controlCount(4, 5)).toEqual({ count: null, suppressed: true });
    expect(controlCount(5, 5)).toEqual({ count: 5 });
    expect(controlCount(0, 5)).toEqual({ count: 0 });
  });
});

describe('the threshold', () => {
  it('is refused below 3', () => {
    expect(() => checkMinCell(2)).toThrow(/at least 3/);
    expect(checkMinCell(3)).toBe(3);
  });
});

/** People who leave by work (`to`), by leaving Sweden or by starting education (competing), or are censored by a withdrawn case. */
interface Leaver {
  readonly gender: string;
  readonly route: string;
  readonly days: number;
  readonly exit: 'to' | 'left-sweden' | 'EducationStarted' | 'censored';
}

const COMPETING_QUERY = { from: 'ResidencePermitGranted', to: 'EmploymentStarted', competing: ['left-sweden', 'EducationStarted'], horizons: HORIZONS };
const START = Date.UTC(2016, 0, 1);
const day = (d: number) => new Date(START + d * 86_400_000).toISOString();

function histories(people: readonly Leaver[]): PersonHistory[] {
  return people.map((p) => {
    const events = [opened('2015-06-01T00:00:00Z', { gender: p.gender, route: p.route }), permit(day(0))];
    if (p.exit === 'to') events.push(employed(day(p.days)));
    else if (p.exit === 'left-sweden') events.push(closed(day(p.days)));
    else if (p.exit === 'EducationStarted') events.push(event('EducationStarted', day(p.days)));
    else events.push(closed(day(p.days), 'withdrawn'));
    return history(...events);
  });
}

const leaver = fc.record({
  gender: fc.constantFrom('female', 'male', 'unspecified'),
  route: fc.constantFrom('asylum', 'resettlement'),
  days: fc.integer({ min: 0, max: 30 }),
  exit: fc.constantFrom<Leaver['exit']>('to', 'to', 'left-sweden', 'EducationStarted', 'censored'),
});
const leavers = fc.array(leaver, { minLength: 0, maxLength: 150 });
const competingGroupings = fc.constantFrom<('gender' | 'route')[]>([], ['gender'], ['route'], ['gender', 'route']);

async function competingAnswer(people: readonly Leaver[], groupBy: readonly string[], withCompeting = true): Promise<TimeToEventResult> {
  const query = withCompeting ? COMPETING_QUERY : { ...COMPETING_QUERY, competing: undefined };
  return timeToEvent(histories(people), { ...query, ...(groupBy.length > 0 ? { groupBy } : {}) }, '2020-01-01T00:00:00Z');
}

describe('disclosure control of cumulative incidences and the log-rank test (property-based)', () => {
  it('no incidence curve, cause count or log-rank number gives a count of 1 to k − 1, and the test is that of the released curves', async () => {
    await fc.assert(
      fc.asyncProperty(leavers, competingGroupings, thresholds, async (people, groupBy, k) => {
        const result = await competingAnswer(people, groupBy);
        const controlled = controlTimeToEvent(result, groupBy, k);
        expect(attackTimeToEvent(controlled.groups, result.groups, groupBy, k, { logRank: controlled.logRank })).toEqual([]);
        if (groupBy.length > 0) expect(controlled.logRank).toBeDefined();
        else expect(controlled.logRank).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('the log-rank test without competing also leaves out every withheld group', async () => {
    await fc.assert(
      fc.asyncProperty(leavers, competingGroupings.filter((g) => g.length > 0), thresholds, async (people, groupBy, k) => {
        const result = await competingAnswer(people, groupBy, false);
        const controlled = controlTimeToEvent(result, groupBy, k);
        expect(attackTimeToEvent(controlled.groups, result.groups, groupBy, k, { logRank: controlled.logRank })).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('releases only true incidences: on the Kaplan–Meier curve\'s released steps, exact where nobody was censored', async () => {
    await fc.assert(
      fc.asyncProperty(leavers, competingGroupings, thresholds, async (people, groupBy, k) => {
        const result = await competingAnswer(people, groupBy);
        const controlled = controlTimeToEvent(result, groupBy, k);
        controlled.groups.forEach((g, i) => {
          const raw = result.groups[i];
          expect(g.cumulativeIncidence!.map((c) => c.cause)).toEqual(['to', 'left-sweden', 'EducationStarted']);
          g.cumulativeIncidence!.forEach((c, j) => {
            if (c.events !== null) expect(c.events).toBe(raw.cumulativeIncidence![j].events);
            if (j === 0) expect(c.events).toBe(g.events);
            let censoredSoFar = 0;
            c.curve.forEach((row, r) => {
              // Every number at risk is one the Kaplan–Meier curve publishes.
              expect(g.curve.map((x) => x.atRisk)).toContain(row.atRisk);
              expect(row.atRisk).toBeGreaterThanOrEqual(k);
              const rawRow = raw.cumulativeIncidence![j].curve.find((x) => x.day === row.day)!;
              expect(rawRow).toBeDefined();
              const exits = g.cumulativeIncidence!.reduce((s, x) => s + x.curve[r].events, 0);
              const next = r + 1 < c.curve.length ? c.curve[r + 1].atRisk : null;
              if (censoredSoFar === 0 && next !== null && row.atRisk - exits === next) {
                // No censoring so far: the pooled estimate is the estimator's own value there.
                expect(row.incidence).toBeCloseTo(rawRow.incidence, 12);
              } else censoredSoFar = 1;
            });
          });
        });
      }),
      { numRuns: 200 },
    );
  });

  it('a cause with 1 to k − 1 exits is withheld, and the incidence curves stop before its exits', async () => {
    const people: Leaver[] = [
      ...Array.from({ length: 30 }, (_, i) => ({ gender: 'female', route: 'asylum', days: 1 + (i % 10), exit: 'to' as const })),
      ...Array.from({ length: 3 }, () => ({ gender: 'female', route: 'asylum', days: 4, exit: 'left-sweden' as const })),
      ...Array.from({ length: 10 }, (_, i) => ({ gender: 'female', route: 'asylum', days: 20 + (i % 2), exit: 'EducationStarted' as const })),
      ...Array.from({ length: 10 }, () => ({ gender: 'female', route: 'asylum', days: 25, exit: 'censored' as const })),
    ];
    const result = await competingAnswer(people, []);
    const [g] = controlTimeToEvent(result, [], 5).groups;
    const [to, left, education] = g.cumulativeIncidence!;
    expect(left).toMatchObject({ cause: 'left-sweden', events: null, suppressed: true });
    // The 3 on day 4 can never pool into 0 or at least 5: the incidence curves stop before day 4's step.
    expect(to.curve.length).toBeGreaterThan(0);
    for (const c of [to, left, education]) expect(c.curve.every((row) => row.day < 4)).toBe(true);
    expect(g.curve.some((row) => row.day >= 4)).toBe(true);
    // No released step shows them: every step's exits by each cause are 0 or at least 5.
    for (const c of [to, left, education]) for (const row of c.curve) expect(row.events === 0 || row.events >= 5).toBe(true);
    expect(g.suppressedFields).toContain('cumulativeIncidence');
  });

  it('a Kaplan–Meier step of 6 censored (3 left Sweden, 3 withdrawn) is not split on the incidence curves', async () => {
    const people: Leaver[] = [
      ...Array.from({ length: 40 }, (_, i) => ({ gender: 'female', route: 'asylum', days: 1 + (i % 4) * 5, exit: 'to' as const })),
      ...Array.from({ length: 6 }, (_, i) => ({ gender: 'female', route: 'asylum', days: 3, exit: i % 2 === 0 ? ('left-sweden' as const) : ('censored' as const) })),
      ...Array.from({ length: 8 }, (_, i) => ({ gender: 'female', route: 'asylum', days: 12, exit: i < 5 ? ('left-sweden' as const) : ('censored' as const) })),
    ];
    const result = await competingAnswer(people, []);
    const controlled = controlTimeToEvent(result, [], 5);
    const [g] = controlled.groups;
    // The Kaplan–Meier curve shows day 3 (6 censored); the incidence curves pool it with day 12.
    expect(g.curve.map((r) => [r.day, r.censored])).toContainEqual([3, 6]);
    expect(g.cumulativeIncidence![1].curve.map((r) => r.day)).not.toContain(3);
    expect(attackTimeToEvent(controlled.groups, result.groups, [], 5)).toEqual([]);
  });

  it('the log-rank test leaves out a withheld group: its observed and expected are null and the test runs on the others', async () => {
    const people: Leaver[] = [];
    for (const gender of ['female', 'male', 'unspecified']) {
      for (const route of ['asylum', 'resettlement']) {
        const size = gender === 'unspecified' && route === 'resettlement' ? 2 : 20;
        for (let i = 0; i < size; i++) people.push({ gender, route, days: i + (gender === 'male' ? 5 : 0), exit: i % 3 === 0 ? 'censored' : 'to' });
      }
    }
    const result = await competingAnswer(people, ['gender', 'route'], false);
    expect(result.logRank!.observed).toHaveLength(6);
    const controlled = controlTimeToEvent(result, ['gender', 'route'], 5);
    const small = controlled.groups.findIndex((g) => g.key.gender === 'unspecified' && g.key.route === 'resettlement');
    expect(controlled.groups[small].n).toBeNull();
    expect(controlled.logRank!.observed[small]).toBeNull();
    expect(controlled.logRank!.expected[small]).toBeNull();
    expect(controlled.logRank!.suppressed).toBe(true);
    controlled.groups.forEach((g, i) => expect(controlled.logRank!.observed[i] === null).toBe(g.curve.length === 0));
    const inTest = controlled.logRank!.observed.filter((o) => o !== null).length;
    expect(inTest).toBeGreaterThanOrEqual(2);
    expect(controlled.logRank!.df).toBe(inTest - 1);
    expect(controlled.logRank!.chiSquare).not.toBeNull();
    expect(controlled.logRank!.stratified!.map((s) => s.by)).toEqual(['gender', 'route']);
  });
});

describe('the released median follows R\'s quantile.survfit on the released curve', () => {
  const group = (curve: ReturnType<typeof kaplanMeier>): TimeToEventResult => ({
    asOf: '2020-01-01T00:00:00Z',
    groups: [{ key: {}, n: curve.n, events: curve.events, censored: curve.censored, median: curve.median, medianCi: curve.medianCi, curve: curve.curve, horizons: shareByHorizon(curve.curve, HORIZONS) }],
  });

  it('a released curve flat at exactly one half to its end: the midpoint with the last released day', () => {
    // 20 people: 10 events on day 10, 10 censored on day 30. S = ½ from day 10 to 30.
    const km = kaplanMeier([...Array.from({ length: 10 }, () => ({ time: 10, event: true })), ...Array.from({ length: 10 }, () => ({ time: 30, event: false }))]);
    const [g] = controlTimeToEvent(group(km), [], 5).groups;
    expect(g.curve.map((r) => [r.day, r.survival])).toEqual([
      [10, 0.5],
      [30, 0.5],
    ]);
    expect(g.median).toBe(20);
  });

  it('a flat at one half that the pooling widens: the midpoint of the released flat, not of the raw one', () => {
    // 40 people: 20 events on day 2 (S = ½), 1 on day 3, 4 on day 8, 15 censored on day 12.
    // Raw: the flat at ½ is [2, 3), median 2.5. Released (k = 5): day 3's one event pools into day 8.
    const km = kaplanMeier([
      ...Array.from({ length: 20 }, () => ({ time: 2, event: true })),
      { time: 3, event: true },
      ...Array.from({ length: 4 }, () => ({ time: 8, event: true })),
      ...Array.from({ length: 15 }, () => ({ time: 12, event: false })),
    ]);
    expect(km.median).toBe(2.5);
    const [g] = controlTimeToEvent(group(km), [], 5).groups;
    expect(g.curve.map((r) => [r.day, r.atRisk, r.events, r.censored])).toEqual([
      [2, 40, 20, 0],
      [8, 20, 5, 0],
      [12, 15, 0, 15],
    ]);
    expect(g.median).toBe(5);
    // The interval: the same rule on the released band.
    expect(g.medianCi).toEqual(survivalQuantiles(g.curve, [0.25, 0.5, 0.75]).map((q) => ({ lower: q.lower, upper: q.upper }))[1]);
  });
});
