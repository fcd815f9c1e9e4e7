import { compileCohort, emptyAttributes, normaliseGroupBy } from '../episodes/attributes';
import { EpisodeEvaluator, parseAsOf } from '../episodes/episode';
import {
  DEFAULT_HORIZONS,
  shareByHorizon,
  type ConfidenceInterval,
  type HorizonShare,
  type KaplanMeierRow,
} from '../kaplan-meier/kaplan-meier';
import type { IncidenceRow } from '../competing-risks/aalen-johansen';
import { logRankTest, type LogRankCell, type LogRankTest } from '../log-rank/log-rank';
import type { AttributeKey, Cohort, EncodedHistory, EpisodeQuery, Histories, PersonAttributes, PersonHistory } from '../types';
import { GroupCounts } from './group-counts';

export interface TimeToEventQuery extends EpisodeQuery {
  readonly cohort?: Cohort;
  readonly groupBy?: string | readonly string[];
  /** What the product knew at this moment; defaults to `now`. */
  readonly asOf?: string;
  readonly horizons?: readonly number[];
}

export type GroupKey = Partial<Record<AttributeKey, string | number | null>>;

/** The cumulative incidence of one cause: `to` (the event) or one of the query's `competing`. */
export interface CumulativeIncidence {
  readonly cause: string;
  readonly events: number;
  readonly curve: IncidenceRow[];
  /** The incidence by each horizon; null beyond follow-up unless everyone has left by then. */
  readonly horizons: HorizonShare[];
}

export interface TimeToEventGroup {
  readonly key: GroupKey;
  readonly n: number;
  readonly events: number;
  /** Censored, and with `competing`, also those who left by a competing cause (see README). */
  readonly censored: number;
  readonly median: number | null;
  readonly medianCi: ConfidenceInterval;
  readonly curve: KaplanMeierRow[];
  readonly horizons: HorizonShare[];
  /** Only with `competing`: Aalen–Johansen, `to` first, then the competing causes in order. */
  readonly cumulativeIncidence?: CumulativeIncidence[];
}

/** The log-rank test of one groupBy attribute within the strata the other attributes form. */
export interface StratifiedLogRank {
  readonly by: AttributeKey;
  readonly strata: AttributeKey[];
  readonly chiSquare: number | null;
  readonly df: number;
  readonly p: number | null;
}

export interface LogRankAnswer extends LogRankTest {
  /** With two or more groupBy attributes: each one tested, stratified by the others. */
  readonly stratified?: StratifiedLogRank[];
}

export interface TimeToEventResult {
  readonly asOf: string;
  readonly groups: TimeToEventGroup[];
  /** Only with groupBy: equal hazards of the event across the groups (observed/expected in group order). */
  readonly logRank?: LogRankAnswer;
}

interface GroupState {
  readonly key: GroupKey;
  readonly counts: GroupCounts;
}

/**
 * Push-style time-to-event analysis: feed people one at a time (from a store cursor, a stream, a
 * projection) and ask for the result at the end. Memory is one day-indexed count array per group,
 * independent of the number of people.
 */
export class TimeToEventAccumulator {
  readonly asOf: string;
  private readonly asOfMs: number;
  private readonly evaluator: EpisodeEvaluator;
  private readonly inCohort: ((a: PersonAttributes) => boolean) | null;
  private readonly groupBy: AttributeKey[];
  private readonly horizons: readonly number[];
  private readonly competing: readonly string[];
  private readonly groups = new Map<string, GroupState>();
  private readonly scratch = emptyAttributes();
  /** The attributes the cohort filter and the grouping read: only these are worked out per person. */
  private readonly attributeKeys: ReadonlySet<AttributeKey>;

  constructor(query: TimeToEventQuery, now: string) {
    validateQuery(query);
    this.asOf = query.asOf ?? now;
    this.asOfMs = parseAsOf(this.asOf);
    this.inCohort = compileCohort(query.cohort);
    this.groupBy = normaliseGroupBy(query.groupBy);
    this.horizons = query.horizons ?? DEFAULT_HORIZONS;
    this.competing = query.competing ?? [];
    for (const h of this.horizons) {
      if (!Number.isFinite(h) || h < 0) throw new RangeError(`horizon must be a non-negative number of days: ${h}`);
    }
    this.attributeKeys = new Set<AttributeKey>([...this.groupBy, ...cohortKeys(query.cohort)]);
    const needsAttributes = this.inCohort !== null || this.groupBy.length > 0;
    this.evaluator = new EpisodeEvaluator(query, { attributes: needsAttributes });
  }

  add(history: PersonHistory): void {
    if (this.evaluator.evaluate(history.events, this.asOfMs)) this.count();
  }

  /** `add` for a history in a store's compact form; the same answer as its PersonHistory. */
  addEncoded(history: EncodedHistory): void {
    if (this.evaluator.evaluateEncoded(history, this.asOfMs)) this.count();
  }

  private count(): void {
    const ev = this.evaluator;
    let attributes: PersonAttributes | null = null;
    if (this.inCohort !== null || this.groupBy.length > 0) {
      attributes = ev.attributes(this.scratch, this.attributeKeys);
      if (this.inCohort !== null && !this.inCohort(attributes)) return;
    }
    this.group(attributes).counts.add(ev.days, ev.event, ev.cause);
  }

  result(): TimeToEventResult {
    const states = [...this.groups.values()];
    if (states.length === 0 && this.groupBy.length === 0) states.push(this.group(null));
    states.sort((a, b) => compareKeys(a.key, b.key, this.groupBy));
    const groups = states.map(({ key, counts }): TimeToEventGroup => {
      const km = counts.estimate();
      const group: TimeToEventGroup = {
        key,
        n: km.n,
        events: km.events,
        censored: km.censored,
        median: km.median,
        medianCi: km.medianCi,
        curve: km.curve,
        horizons: shareByHorizon(km.curve, this.horizons),
      };
      return this.competing.length === 0 ? group : { ...group, cumulativeIncidence: this.incidence(counts) };
    });
    if (this.groupBy.length === 0) return { asOf: this.asOf, groups };
    return { asOf: this.asOf, groups, logRank: this.logRank(states) };
  }

  private incidence(counts: GroupCounts): CumulativeIncidence[] {
    const aj = counts.incidence();
    const curve0 = aj.causes[0]?.curve ?? [];
    const lastDay = curve0.length > 0 ? curve0[curve0.length - 1].day : -Infinity;
    // Everyone has left when the last row's exits and censorings take the whole risk set.
    const last = curve0.length - 1;
    const allLeft = last >= 0 && aj.causes.reduce((s, c) => s + c.curve[last].events, 0) === curve0[last].atRisk;
    return aj.causes.map(({ events, curve }, k) => ({
      cause: k === 0 ? 'to' : this.competing[k - 1],
      events,
      curve,
      horizons: this.horizons.map((h) => {
        if (h > lastDay && !allLeft) return { day: h, share: null };
        let at = -1;
        for (let i = 0; i < curve.length && curve[i].day <= h; i++) at = i;
        return { day: h, share: at < 0 ? 0 : curve[at].incidence };
      }),
    }));
  }

  /**
   * The log-rank test across all groups, and with several groupBy attributes each one stratified
   * by the others (R: survdiff(Surv(t, d) ~ a + strata(b, c))): every group is one cell, whose
   * compared value is its key's value of that attribute and whose stratum is the rest of its key.
   */
  private logRank(states: readonly GroupState[]): LogRankAnswer {
    const overall = logRankTest(
      states.length,
      states.map((s, i) => s.counts.logRankCell(i, 0)),
    );
    if (this.groupBy.length < 2) return overall;
    const stratified = this.groupBy.map((by): StratifiedLogRank => {
      const strata = this.groupBy.filter((k) => k !== by);
      const values = new Map<string, number>();
      const strataIds = new Map<string, number>();
      const cells: LogRankCell[] = states.map((s) => {
        const v = JSON.stringify(s.key[by] ?? null);
        const st = JSON.stringify(strata.map((k) => s.key[k] ?? null));
        if (!values.has(v)) values.set(v, values.size);
        if (!strataIds.has(st)) strataIds.set(st, strataIds.size);
        return s.counts.logRankCell(values.get(v)!, strataIds.get(st)!);
      });
      const test = logRankTest(values.size, cells);
      return { by, strata, chiSquare: test.chiSquare, df: test.df, p: test.p };
    });
    return { ...overall, stratified };
  }

  private group(attributes: PersonAttributes | null): GroupState {
    let id = '';
    if (attributes !== null) {
      for (const k of this.groupBy) id += `${attributes[k] ?? '\u0000'}\u0001`;
    }
    let state = this.groups.get(id);
    if (state === undefined) {
      const key: GroupKey = {};
      for (const k of this.groupBy) key[k] = attributes?.[k] ?? null;
      state = { key, counts: new GroupCounts(this.competing.length) };
      this.groups.set(id, state);
    }
    return state;
  }
}

function cohortKeys(cohort: Cohort | undefined): AttributeKey[] {
  // compileCohort has already refused unknown keys.
  return cohort === undefined ? [] : (Object.keys(cohort).filter((k) => cohort[k as AttributeKey] !== undefined) as AttributeKey[]);
}

function validateQuery(query: TimeToEventQuery): void {
  if (typeof query.from !== 'string' || query.from.length === 0) throw new RangeError('from must be an event type');
  const to = typeof query.to === 'string' ? [query.to] : query.to;
  if (!Array.isArray(to) || to.length === 0 || to.some((t) => typeof t !== 'string' || t.length === 0)) {
    throw new RangeError('to must be an event type or a non-empty list of them');
  }
  const competing = query.competing;
  if (competing === undefined) return;
  if (!Array.isArray(competing) || competing.length === 0 || competing.some((c) => typeof c !== 'string' || c.length === 0)) {
    throw new RangeError('competing must be a non-empty list of event types or closure reasons');
  }
  if (new Set(competing).size !== competing.length) throw new RangeError('competing lists a cause twice');
  for (const c of competing) {
    if ((to as readonly string[]).includes(c) || c === query.from) throw new RangeError(`competing cause ${c} is also from or to`);
  }
}

function compareKeys(a: GroupKey, b: GroupKey, keys: readonly AttributeKey[]): number {
  for (const k of keys) {
    const x = a[k] ?? null;
    const y = b[k] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function isAsync(h: Histories): h is AsyncIterable<PersonHistory> {
  return typeof (h as AsyncIterable<PersonHistory>)[Symbol.asyncIterator] === 'function';
}

/**
 * Kaplan–Meier time from `from` to the first of `to`, per group, as the contract's
 * POST /v1/analytics/time-to-event answers it. Histories are consumed once, in one pass; a
 * synchronous iterable is walked without awaiting per person.
 */
export async function timeToEvent(histories: Histories, query: TimeToEventQuery, now: string): Promise<TimeToEventResult> {
  const acc = new TimeToEventAccumulator(query, now);
  if (isAsync(histories)) {
    for await (const h of histories) acc.add(h);
  } else {
    for (const h of histories) acc.add(h);
  }
  return acc.result();
}
