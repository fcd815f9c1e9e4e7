import { compileCohort, emptyAttributes, normaliseGroupBy } from '../episodes/attributes';
import { EpisodeEvaluator, parseAsOf } from '../episodes/episode';
import {
  DEFAULT_HORIZONS,
  shareByHorizon,
  type ConfidenceInterval,
  type HorizonShare,
  type KaplanMeierRow,
} from '../kaplan-meier/kaplan-meier';
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

export interface TimeToEventGroup {
  readonly key: GroupKey;
  readonly n: number;
  readonly events: number;
  readonly censored: number;
  readonly median: number | null;
  readonly medianCi: ConfidenceInterval;
  readonly curve: KaplanMeierRow[];
  readonly horizons: HorizonShare[];
}

export interface TimeToEventResult {
  readonly asOf: string;
  readonly groups: TimeToEventGroup[];
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
    this.group(attributes).counts.add(ev.days, ev.event);
  }

  result(): TimeToEventResult {
    const states = [...this.groups.values()];
    if (states.length === 0 && this.groupBy.length === 0) states.push(this.group(null));
    states.sort((a, b) => compareKeys(a.key, b.key, this.groupBy));
    const groups = states.map(({ key, counts }): TimeToEventGroup => {
      const km = counts.estimate();
      return {
        key,
        n: km.n,
        events: km.events,
        censored: km.censored,
        median: km.median,
        medianCi: km.medianCi,
        curve: km.curve,
        horizons: shareByHorizon(km.curve, this.horizons),
      };
    });
    return { asOf: this.asOf, groups };
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
      state = { key, counts: new GroupCounts() };
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
