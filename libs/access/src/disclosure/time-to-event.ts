import {
  aalenJohansen,
  DEFAULT_QUANTILES,
  groupLogRank,
  kaplanMeierFromCounts,
  shareByHorizon,
  survivalQuantiles,
  type AttributeKey,
  type ConfidenceInterval,
  type GroupKey,
  type HorizonShare,
  type IncidenceRow,
  type KaplanMeierRow,
  type StratifiedLogRank,
  type TimeToEventGroup,
  type TimeToEventResult,
} from '@kedja/analytics';
import { SuppressionTable } from './suppression';

/** What a controlled answer says about the rule it was released under. */
export interface DisclosureNote {
  readonly minCell: number;
}

export interface ControlledHorizon {
  readonly day: number;
  readonly share: number | null;
  readonly suppressed?: true;
}

/** One cause's cumulative incidence as released (see releasedIncidence). */
export interface ControlledIncidence {
  readonly cause: string;
  readonly events: number | null;
  /** Released steps: the Kaplan–Meier curve's released steps, pooled further until every cause's exits and the censorings are 0 or at least k. */
  readonly curve: IncidenceRow[];
  readonly horizons: ControlledHorizon[];
  readonly suppressed?: true;
  readonly suppressedFields?: string[];
}

/**
 * The log-rank test as released: run on the released curves of the groups that have one (each
 * group's released steps, those after its curve censored at its last step), so that it is a
 * function of published counts alone; a group without a released curve is left out of it, its
 * observed and expected null, and the test carries "suppressed": true.
 */
export interface ControlledLogRank {
  readonly observed: (number | null)[];
  readonly expected: (number | null)[];
  readonly chiSquare: number | null;
  readonly df: number;
  readonly p: number | null;
  readonly stratified?: StratifiedLogRank[];
  readonly suppressed?: true;
  readonly suppressedFields?: string[];
}

export interface ControlledGroup {
  readonly key: GroupKey;
  readonly n: number | null;
  readonly events: number | null;
  readonly censored: number | null;
  readonly median: number | null;
  readonly medianCi: ConfidenceInterval;
  /** Released steps: each has 0 or at least k events and censorings, and leaves 0 or at least k at risk. */
  readonly curve: KaplanMeierRow[];
  readonly horizons: ControlledHorizon[];
  /** Only with `competing`: the cause `to` first, then the competing causes in order. */
  readonly cumulativeIncidence?: ControlledIncidence[];
  /** Present when any value of the group is withheld; `suppressedFields` names them. */
  readonly suppressed?: true;
  readonly suppressedFields?: string[];
}

export interface ControlledTimeToEvent {
  readonly asOf: string;
  readonly disclosure: DisclosureNote;
  readonly groups: ControlledGroup[];
  /** Only with groupBy. */
  readonly logRank?: ControlledLogRank;
}

interface Pool {
  /** Indexes into the estimator's curve: the first and last step pooled. */
  readonly first: number;
  readonly last: number;
  readonly day: number;
  readonly atRisk: number;
  readonly events: number;
  readonly censored: number;
}

const ok = (x: number, k: number) => x === 0 || x >= k;

function pools(curve: readonly KaplanMeierRow[], k: number): Pool[] {
  const out: Pool[] = [];
  let first = -1;
  let events = 0;
  let censored = 0;
  for (let i = 0; i < curve.length; i++) {
    const row = curve[i];
    if (row.atRisk < k) break;
    if (first < 0) first = i;
    events += row.events;
    censored += row.censored;
    const remaining = row.atRisk - row.events - row.censored;
    if (ok(events, k) && ok(censored, k) && ok(remaining, k) && events + censored > 0) {
      out.push({ first, last: i, day: row.day, atRisk: curve[first].atRisk, events, censored });
      first = -1;
      events = 0;
      censored = 0;
    }
  }
  return out;
}

/**
 * The Kaplan–Meier curve as it may be released: consecutive steps are pooled until the pool holds
 * 0 or at least k events, 0 or at least k censorings, and leaves 0 or at least k at risk; a pooled
 * step reports the day of its last step, the number at risk at its first, and its events and
 * censorings. The curve stops before the first step with fewer than k at risk. So no step says
 * "one person had the event on day d", and no difference of two published numbers at risk is a
 * count of 1 to k − 1.
 *
 * The estimate on a released step (survival, Greenwood variance, log-log band) is the estimator's
 * (kaplanMeierFromCounts) on the pooled counts, i.e. on the durations rounded up to the day of
 * their released step. Not the unpooled value at that day: with censorings inside a pooled step
 * that value depends on where they fell (before or after which event), which would tell what the
 * pooling withholds. So every number on the curve is a function of the published counts alone;
 * where a pooled step has no censoring the two agree exactly.
 */
export function releasedCurve(curve: readonly KaplanMeierRow[], k: number): KaplanMeierRow[] {
  return estimatePools(pools(curve, k));
}

function estimatePools(pooled: readonly Pool[]): KaplanMeierRow[] {
  if (pooled.length === 0) return [];
  // Those still at risk after the last released step count as censored there (after its events),
  // so that the estimator sees the released numbers at risk.
  const last = pooled[pooled.length - 1];
  const after = last.atRisk - last.events - last.censored;
  const estimate = kaplanMeierFromCounts(
    pooled.map((p) => p.day),
    pooled.map((p) => p.events),
    pooled.map((p, i) => p.censored + (i === pooled.length - 1 ? after : 0)),
  ).curve;
  return pooled.map((p, i) => ({ ...estimate[i], atRisk: p.atRisk, events: p.events, censored: p.censored }));
}

/** The released cumulative incidences of one group: one curve per cause, all on the same steps. */
export interface ReleasedIncidence {
  readonly curves: IncidenceRow[][];
  /** Exits by each cause on the released steps. */
  readonly events: number[];
  /** Censorings (not competing exits) on the released steps. */
  readonly censored: number;
  /** Nobody is left after the last released step and none of its exits is a censoring: every horizon past it is known. */
  readonly allLeft: boolean;
}

/**
 * The cumulative incidence curves as they may be released. Their steps are the released
 * Kaplan–Meier steps (of the same answer), pooled further until each cause's exits and the
 * censorings in a step are 0 or at least k; so every number at risk on them is one the
 * Kaplan–Meier curve publishes (no new difference), no step shows 1 to k − 1 exits by a cause, and
 * the split of the Kaplan–Meier curve's censorings into competing exits and censorings is shown
 * only in counts of 0 or at least k. The curves stop with the last such step. The estimate on a
 * released step (incidence, standard error, band) is Aalen–Johansen on the pooled counts, as for
 * the Kaplan–Meier curve, so it is a function of the published counts alone.
 */
export function releasedIncidence(curve: readonly KaplanMeierRow[], causes: readonly { readonly curve: readonly IncidenceRow[] }[], k: number): ReleasedIncidence {
  const m = causes.length;
  for (const c of causes) {
    if (c.curve.length !== curve.length || c.curve.some((r, i) => r.day !== curve[i].day)) throw new Error('the incidence curves and the Kaplan–Meier curve must be on the same days');
  }
  const released: Array<{ day: number; atRisk: number; events: number[]; censored: number }> = [];
  let atRisk = -1;
  let events = new Array<number>(m).fill(0);
  let censored = 0;
  for (const p of pools(curve, k)) {
    if (atRisk < 0) atRisk = p.atRisk;
    for (let i = p.first; i <= p.last; i++) {
      let competing = 0;
      for (let j = 0; j < m; j++) {
        events[j] += causes[j].curve[i].events;
        if (j > 0) competing += causes[j].curve[i].events;
      }
      // The Kaplan–Meier curve counts a competing exit as censored.
      censored += curve[i].censored - competing;
    }
    if (events.every((e) => ok(e, k)) && ok(censored, k)) {
      released.push({ day: p.day, atRisk, events, censored });
      atRisk = -1;
      events = new Array<number>(m).fill(0);
      censored = 0;
    }
  }
  if (released.length === 0) return { curves: causes.map(() => []), events: new Array<number>(m).fill(0), censored: 0, allLeft: false };
  const last = released[released.length - 1];
  const after = last.atRisk - last.events.reduce((a, b) => a + b, 0) - last.censored;
  const aj = aalenJohansen(
    released.map((r) => r.day),
    causes.map((_, j) => released.map((r) => r.events[j])),
    released.map((r, i) => r.censored + (i === released.length - 1 ? after : 0)),
  );
  return {
    curves: aj.causes.map((c, j) => c.curve.map((row, i) => ({ ...row, atRisk: released[i].atRisk, events: released[i].events[j] }))),
    events: causes.map((_, j) => released.reduce((s, r) => s + r.events[j], 0)),
    censored: released.reduce((s, r) => s + r.censored, 0),
    allLeft: after === 0 && last.censored === 0,
  };
}

interface Released {
  readonly group: TimeToEventGroup;
  readonly curve: KaplanMeierRow[];
  readonly releasedEvents: number;
  readonly releasedCensored: number;
  /** Only with `competing`. */
  readonly incidence: ReleasedIncidence | null;
}

const groupIds = (i: number) => ({
  n: `g${i}.n`,
  e: `g${i}.e`,
  c: `g${i}.c`,
  ar: `g${i}.ar`,
  re: `g${i}.re`,
  rc: `g${i}.rc`,
  te: `g${i}.te`,
  tc: `g${i}.tc`,
  // Competing risks: the censorings that are not competing exits, the first number at risk of the
  // incidence curves, and those curves' censorings with the part after them.
  cc: `g${i}.cc`,
  iar: `g${i}.iar`,
  irc: `g${i}.irc`,
  itc: `g${i}.itc`,
});
/** Per cause j of a group (0 is `to`, whose total is the group's events): its total, its exits on the released incidence curve, and after it. */
const causeIds = (prefix: string, i: number, j: number) => ({ total: j === 0 ? `${prefix}g${i}.e` : `${prefix}g${i}.k${j}`, released: `${prefix}g${i}.ir${j}`, tail: `${prefix}g${i}.it${j}` });

/**
 * Cells and constraints of one time-to-event answer: per group n = events + censored, events =
 * released events + events after the released curve (and the same for censorings), n = the first
 * released number at risk; across groups, for every subset of the groupBy attributes, the
 * marginal totals of n, events and censored, which the reader can learn by asking with the smaller
 * groupBy (the ungrouped total among them).
 */
export function addTimeToEventCells(table: SuppressionTable, prefix: string, released: readonly Released[], groupBy: readonly string[]): void {
  const ids = released.map((_, i) => prefixed(prefix, groupIds(i)));
  const causeCount = released[0]?.incidence?.curves.length ?? 0;
  const causes = (i: number) => Array.from({ length: causeCount }, (_, j) => causeIds(prefix, i, j));
  released.forEach((r, i) => {
    const id = ids[i];
    const cs = causes(i);
    const competingTotals = cs.slice(1).map((c) => c.total);
    // All the group's curves (Kaplan–Meier and incidences) are released or withheld together.
    const curve = [id.ar, id.re, id.rc, id.iar, id.irc, ...cs.map((c) => c.released)];
    const whole = [id.n, id.e, id.c, ...competingTotals, ...curve];
    const { n, events, censored } = r.group;
    table.cell(id.n, { value: n, kind: 'published', cost: 1, bundle: whole });
    table.cell(id.e, { value: events, kind: 'published', cost: 0, bundle: [id.c] });
    table.cell(id.c, { value: censored, kind: 'published', cost: 0, bundle: [id.e] });
    table.sum(id.n, [id.e, id.c]);
    if (r.incidence !== null) addIncidenceCells(table, id, cs, r, curve);
    if (r.curve.length > 0) {
      // The curve goes with its first number at risk (= n); withholding it drops the whole curve.
      table.cell(id.ar, { value: r.curve[0].atRisk, kind: 'published', cost: 2, bundle: curve });
      table.cell(id.re, { value: r.releasedEvents, kind: 'published', cost: 2, bundle: curve });
      table.cell(id.rc, { value: r.releasedCensored, kind: 'published', cost: 2, bundle: curve });
      table.sum(id.n, [id.ar]);
    } else {
      // No curve: the reader knows that nothing is on it.
      table.cell(id.re, { value: 0, kind: 'external' });
      table.cell(id.rc, { value: 0, kind: 'external' });
    }
    table.cell(id.te, { value: events - r.releasedEvents, kind: 'implicit' });
    table.cell(id.tc, { value: censored - r.releasedCensored, kind: 'implicit' });
    table.sum(id.e, [id.re, id.te]);
    table.sum(id.c, [id.rc, id.tc]);
  });
  if (groupBy.length === 0) return;
  const subsets = 1 << groupBy.length;
  for (let mask = 0; mask < subsets - 1; mask++) {
    const fixed = groupBy.filter((_, j) => (mask & (1 << j)) !== 0);
    const cells = new Map<string, number[]>();
    released.forEach((r, i) => {
      const key = JSON.stringify(fixed.map((f) => (r.group.key as Record<string, unknown>)[f] ?? null));
      const list = cells.get(key);
      if (list === undefined) cells.set(key, [i]);
      else list.push(i);
    });
    for (const [key, members] of cells) {
      for (const measure of ['n', 'e', 'c'] as const) {
        const id = `${prefix}m${mask}:${key}.${measure}`;
        const pick = (g: TimeToEventGroup) => (measure === 'n' ? g.n : measure === 'e' ? g.events : g.censored);
        table.cell(id, { value: members.reduce((s, i) => s + pick(released[i].group), 0), kind: 'external' });
        table.sum(
          id,
          members.map((i) => ids[i][measure]),
        );
      }
      // Each competing cause's exits, as the answer with the smaller groupBy publishes them.
      for (let j = 1; j < causeCount; j++) {
        const id = `${prefix}m${mask}:${key}.k${j}`;
        table.cell(id, { value: members.reduce((s, i) => s + (released[i].group.cumulativeIncidence?.[j]?.events ?? 0), 0), kind: 'external' });
        table.sum(
          id,
          members.map((i) => causes(i)[j].total),
        );
      }
    }
  }
}

/**
 * A group's competing risks as cells: each competing cause's exits (published) and the censorings
 * that are not competing exits (implicit) make up the group's censored; each cause's exits and the
 * censorings are those on the released incidence curves plus those after them.
 */
function addIncidenceCells(
  table: SuppressionTable,
  id: ReturnType<typeof groupIds>,
  cs: ReadonlyArray<ReturnType<typeof causeIds>>,
  r: Released,
  curve: readonly string[],
): void {
  const inc = r.incidence!;
  const raw = r.group.cumulativeIncidence ?? [];
  const totals = cs.map((_, j) => raw[j]?.events ?? 0);
  const onlyCensored = r.group.censored - totals.slice(1).reduce((a, b) => a + b, 0);
  cs.forEach((c, j) => {
    if (j > 0) table.cell(c.total, { value: totals[j], kind: 'published', cost: 0 });
    table.cell(c.tail, { value: totals[j] - inc.events[j], kind: 'implicit' });
    table.sum(c.total, [c.released, c.tail]);
  });
  table.cell(id.cc, { value: onlyCensored, kind: 'implicit' });
  table.cell(id.itc, { value: onlyCensored - inc.censored, kind: 'implicit' });
  table.sum(id.c, [id.cc, ...cs.slice(1).map((c) => c.total)]);
  table.sum(id.cc, [id.irc, id.itc]);
  if (inc.curves[0].length > 0) {
    table.cell(id.iar, { value: inc.curves[0][0].atRisk, kind: 'published', cost: 2, bundle: curve });
    table.sum(id.n, [id.iar]);
    cs.forEach((c, j) => table.cell(c.released, { value: inc.events[j], kind: 'published', cost: 2, bundle: curve }));
    // Not a field of the answer, but the differences of its numbers at risk give it.
    table.cell(id.irc, { value: inc.censored, kind: 'published', cost: 2, bundle: curve });
  } else {
    for (const c of cs) table.cell(c.released, { value: 0, kind: 'external' });
    table.cell(id.irc, { value: 0, kind: 'external' });
  }
}

function prefixed<T extends Record<string, string>>(prefix: string, ids: T): T {
  return Object.fromEntries(Object.entries(ids).map(([k, v]) => [k, `${prefix}${v}`])) as T;
}

export function releaseGroups(result: TimeToEventResult, k: number): Released[] {
  return result.groups.map((group) => {
    const curve = releasedCurve(group.curve, k);
    return {
      group,
      curve,
      releasedEvents: curve.reduce((s, r) => s + r.events, 0),
      releasedCensored: curve.reduce((s, r) => s + r.censored, 0),
      incidence: group.cumulativeIncidence === undefined ? null : releasedIncidence(group.curve, group.cumulativeIncidence, k),
    };
  });
}

/** One group as released, given the cells the table withholds. */
export function controlledGroup(prefix: string, i: number, r: Released, hidden: ReadonlySet<string>): ControlledGroup {
  const id = prefixed(prefix, groupIds(i));
  const g = r.group;
  const fields: string[] = [];
  const withheld = (cell: string, field: string) => {
    const h = hidden.has(cell);
    if (h) fields.push(field);
    return h;
  };
  const whole = withheld(id.n, 'n');
  const eventsHidden = withheld(id.e, 'events');
  const censoredHidden = withheld(id.c, 'censored');
  const curve = whole || hidden.has(id.ar) ? [] : r.curve;
  // A curve that is pooled or cut still shows only true steps; one with no step left is withheld.
  if (curve.length === 0 && g.curve.length > 0) fields.push('curve');
  // R's quantile.survfit (the estimator's own rule, @kedja/analytics quantile.ts) applied to the
  // released curve: a median can be later than the estimator's (its step was pooled), or the
  // midpoint of a released flat at one half; it is withheld only when the released curve never
  // gets there.
  const q = survivalQuantiles(curve, DEFAULT_QUANTILES)[DEFAULT_QUANTILES.indexOf(0.5)];
  const median = q.time;
  const lower = q.lower;
  const upper = q.upper;
  if (median === null && g.median !== null) fields.push('median');
  if ((lower === null && g.medianCi.lower !== null) || (upper === null && g.medianCi.upper !== null)) fields.push('medianCi');
  const raw = g.horizons;
  const shares: HorizonShare[] = shareByHorizon(curve, raw.map((h) => h.day));
  // Past the released curve the step function says nothing (null), as past the follow-up.
  const horizons = raw.map((h, j): ControlledHorizon => {
    const share = shares[j].share;
    return share === null && h.share !== null ? { day: h.day, share: null, suppressed: true } : { day: h.day, share };
  });
  if (horizons.some((h) => h.suppressed)) fields.push('horizons');
  const incidence = g.cumulativeIncidence === undefined ? undefined : controlledIncidence(prefix, i, r, hidden, whole || eventsHidden, curve.length === 0);
  if (incidence?.some((c) => c.suppressed)) fields.push('cumulativeIncidence');
  const base = {
    key: g.key,
    n: whole ? null : g.n,
    events: whole || eventsHidden ? null : g.events,
    censored: whole || censoredHidden ? null : g.censored,
    median,
    medianCi: { lower, upper },
    curve,
    horizons,
    ...(incidence === undefined ? {} : { cumulativeIncidence: incidence }),
  };
  return fields.length > 0 ? { ...base, suppressed: true, suppressedFields: fields } : base;
}

/**
 * The group's cumulative incidences as released: each cause's exits unless withheld (the `to`
 * cause's are the group's events), the released incidence curves unless the group's curves are
 * withheld, and the horizon incidences read off those curves (past them null, "suppressed" where
 * the estimator had a value).
 */
function controlledIncidence(prefix: string, i: number, r: Released, hidden: ReadonlySet<string>, toHidden: boolean, curvesHidden: boolean): ControlledIncidence[] {
  const inc = r.incidence!;
  const wholeHidden = hidden.has(prefixed(prefix, groupIds(i)).n);
  return (r.group.cumulativeIncidence ?? []).map((raw, j) => {
    const fields: string[] = [];
    const eventsHidden = j === 0 ? toHidden : wholeHidden || hidden.has(causeIds(prefix, i, j).total);
    if (eventsHidden) fields.push('events');
    const curve = curvesHidden ? [] : inc.curves[j];
    if (curve.length === 0 && raw.curve.length > 0) fields.push('curve');
    const lastDay = curve.length > 0 ? curve[curve.length - 1].day : -Infinity;
    const horizons = raw.horizons.map((h): ControlledHorizon => {
      let share: number | null = null;
      if (curve.length > 0 && (h.day <= lastDay || inc.allLeft)) {
        share = 0;
        for (const row of curve) if (row.day <= h.day) share = row.incidence;
      }
      return share === null && h.share !== null ? { day: h.day, share: null, suppressed: true } : { day: h.day, share };
    });
    if (horizons.some((h) => h.suppressed)) fields.push('horizons');
    const base = { cause: raw.cause, events: eventsHidden ? null : raw.events, curve, horizons };
    return fields.length > 0 ? { ...base, suppressed: true as const, suppressedFields: fields } : base;
  });
}

/** The log-rank test on the released curves (see ControlledLogRank). */
function releasedLogRank(groups: readonly ControlledGroup[], groupBy: readonly string[]): ControlledLogRank {
  const inTest = groups.map((g, i) => ({ g, i })).filter(({ g }) => g.curve.length > 0);
  const test = groupLogRank(
    inTest.map(({ g }) => {
      const last = g.curve.length - 1;
      return {
        key: g.key,
        times: g.curve.map((row) => row.day),
        events: g.curve.map((row) => row.events),
        // Those after the released curve are censored at its last step, as its estimate has them.
        censored: g.curve.map((row, j) => row.censored + (j === last ? row.atRisk - row.events - row.censored : 0)),
      };
    }),
    groupBy as AttributeKey[],
  );
  const observed: (number | null)[] = groups.map(() => null);
  const expected: (number | null)[] = groups.map(() => null);
  inTest.forEach(({ i }, j) => {
    observed[i] = test.observed[j];
    expected[i] = test.expected[j];
  });
  const base = { observed, expected, chiSquare: test.chiSquare, df: test.df, p: test.p, ...(test.stratified ? { stratified: test.stratified } : {}) };
  return inTest.length < groups.length ? { ...base, suppressed: true, suppressedFields: ['observed', 'expected'] } : base;
}

/**
 * A time-to-event answer under disclosure control (CONTRACT.md Amendments v1.1): every group of
 * 1 to k − 1 people and every derivable one withheld whole, events and censorings withheld where
 * either (or the part of it after the released curve) is 1 to k − 1, the curve pooled and cut as
 * releasedCurve says, and the median, its interval and the horizon shares read off the released
 * curve only, so that none of them reveals a step the curve does not show. With `competing`, each
 * cause's exits are cells of the same table and the incidence curves are releasedIncidence's;
 * with groupBy, the log-rank test is the one on the released curves (releasedLogRank). Every
 * statistic of the answer is thus a function of its published counts.
 */
export function controlTimeToEvent(result: TimeToEventResult, groupBy: readonly string[], k: number): ControlledTimeToEvent {
  const released = releaseGroups(result, k);
  const table = new SuppressionTable();
  addTimeToEventCells(table, '', released, groupBy);
  const hidden = table.solve(k);
  const groups = released.map((r, i) => controlledGroup('', i, r, hidden));
  const answer = { asOf: result.asOf, disclosure: { minCell: k }, groups };
  return result.logRank === undefined ? answer : { ...answer, logRank: releasedLogRank(groups, groupBy) };
}
