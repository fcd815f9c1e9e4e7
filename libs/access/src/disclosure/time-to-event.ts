import {
  kaplanMeierFromCounts,
  shareByHorizon,
  type ConfidenceInterval,
  type GroupKey,
  type HorizonShare,
  type KaplanMeierRow,
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
  /** Present when any value of the group is withheld; `suppressedFields` names them. */
  readonly suppressed?: true;
  readonly suppressedFields?: string[];
}

export interface ControlledTimeToEvent {
  readonly asOf: string;
  readonly disclosure: DisclosureNote;
  readonly groups: ControlledGroup[];
}

// The same slack as the estimator's median: a product of fractions that is one half on paper.
const HALF = 0.5 + 1e-12;

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
  const pooled: Array<{ day: number; atRisk: number; events: number; censored: number }> = [];
  let startAtRisk = -1;
  let events = 0;
  let censored = 0;
  for (const row of curve) {
    if (row.atRisk < k) break;
    if (startAtRisk < 0) startAtRisk = row.atRisk;
    events += row.events;
    censored += row.censored;
    const remaining = row.atRisk - row.events - row.censored;
    const ok = (x: number) => x === 0 || x >= k;
    if (ok(events) && ok(censored) && ok(remaining) && events + censored > 0) {
      pooled.push({ day: row.day, atRisk: startAtRisk, events, censored });
      startAtRisk = -1;
      events = 0;
      censored = 0;
    }
  }
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

interface Released {
  readonly group: TimeToEventGroup;
  readonly curve: KaplanMeierRow[];
  readonly releasedEvents: number;
  readonly releasedCensored: number;
}

const groupIds = (i: number) => ({ n: `g${i}.n`, e: `g${i}.e`, c: `g${i}.c`, ar: `g${i}.ar`, re: `g${i}.re`, rc: `g${i}.rc`, te: `g${i}.te`, tc: `g${i}.tc` });

/**
 * Cells and constraints of one time-to-event answer: per group n = events + censored, events =
 * released events + events after the released curve (and the same for censorings), n = the first
 * released number at risk; across groups, for every subset of the groupBy attributes, the
 * marginal totals of n, events and censored, which the reader can learn by asking with the smaller
 * groupBy (the ungrouped total among them).
 */
export function addTimeToEventCells(table: SuppressionTable, prefix: string, released: readonly Released[], groupBy: readonly string[]): void {
  const ids = released.map((_, i) => prefixed(prefix, groupIds(i)));
  released.forEach((r, i) => {
    const id = ids[i];
    const whole = [id.n, id.e, id.c, id.ar, id.re, id.rc];
    const { n, events, censored } = r.group;
    table.cell(id.n, { value: n, kind: 'published', cost: 1, bundle: whole });
    table.cell(id.e, { value: events, kind: 'published', cost: 0, bundle: [id.c] });
    table.cell(id.c, { value: censored, kind: 'published', cost: 0, bundle: [id.e] });
    table.sum(id.n, [id.e, id.c]);
    if (r.curve.length > 0) {
      // The curve goes with its first number at risk (= n); withholding it drops the whole curve.
      const curve = [id.ar, id.re, id.rc];
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
    }
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
  const median = firstAtOrBelowHalf(curve, (row) => row.survival);
  const lower = firstAtOrBelowHalf(curve, (row) => row.lower);
  const upper = firstAtOrBelowHalf(curve, (row) => row.upper);
  // Read off the released curve, a median can be later than the estimator's (its step was pooled);
  // it is withheld only when the released curve never gets there.
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
  const base = {
    key: g.key,
    n: whole ? null : g.n,
    events: whole || eventsHidden ? null : g.events,
    censored: whole || censoredHidden ? null : g.censored,
    median,
    medianCi: { lower, upper },
    curve,
    horizons,
  };
  return fields.length > 0 ? { ...base, suppressed: true, suppressedFields: fields } : base;
}

function firstAtOrBelowHalf(curve: readonly KaplanMeierRow[], pick: (row: KaplanMeierRow) => number): number | null {
  for (const row of curve) if (pick(row) <= HALF) return row.day;
  return null;
}

/**
 * A time-to-event answer under disclosure control (CONTRACT.md Amendments v1.1): every group of
 * 1 to k − 1 people and every derivable one withheld whole, events and censorings withheld where
 * either (or the part of it after the released curve) is 1 to k − 1, the curve pooled and cut as
 * releasedCurve says, and the median, its interval and the horizon shares read off the released
 * curve only, so that none of them reveals a step the curve does not show.
 */
export function controlTimeToEvent(result: TimeToEventResult, groupBy: readonly string[], k: number): ControlledTimeToEvent {
  const released = releaseGroups(result, k);
  const table = new SuppressionTable();
  addTimeToEventCells(table, '', released, groupBy);
  const hidden = table.solve(k);
  return { asOf: result.asOf, disclosure: { minCell: k }, groups: released.map((r, i) => controlledGroup('', i, r, hidden)) };
}
