import { compileCohort, emptyAttributes, normaliseGroupBy } from '../episodes/attributes';
import { EpisodeEvaluator, parseAsOf } from '../episodes/episode';
import type { AttributeKey, Histories, PersonHistory } from '../types';
import { TimeToEventAccumulator, type GroupKey, type TimeToEventQuery, type TimeToEventResult } from './time-to-event';

export interface GroupDifference {
  readonly key: GroupKey;
  readonly n: { readonly a: number; readonly b: number };
  readonly events: { readonly a: number; readonly b: number };
  readonly median: { readonly a: number | null; readonly b: number | null; readonly delta: number | null };
  readonly horizons: ReadonlyArray<{ readonly day: number; readonly a: number | null; readonly b: number | null; readonly delta: number | null }>;
  /**
   * How the group's people moved: `entered` are in the group at B and not at A (a late-reported
   * start, or a person whose attributes moved them here), `left` the reverse, so that
   * n.b − n.a = entered − left; the rest are in the group at both.
   */
  readonly people: GroupChanges;
}

export interface GroupChanges {
  readonly entered: number;
  readonly left: number;
  readonly gainedEvent: number;
  readonly lostEvent: number;
  readonly durationChanged: number;
}

export interface PersonChanges {
  /** People with an episode at B but not at A (their start was reported late). */
  readonly entered: number;
  /** People with an episode at A but not at B (their start was retracted in between). */
  readonly left: number;
  /** Censored at A, event at B. */
  readonly gainedEvent: number;
  /** Event at A, censored at B (the end event was retracted). */
  readonly lostEvent: number;
  /** Same status, different duration (includes everyone still censored at a later as-of). */
  readonly durationChanged: number;
}

export interface AsOfComparison {
  readonly a: TimeToEventResult;
  readonly b: TimeToEventResult;
  readonly groups: GroupDifference[];
  readonly people: PersonChanges;
}

/**
 * The same analysis as known at two moments, from one pass over the histories (so it also works
 * on a stream that can be read only once). Answers "what did we know on 31 December 2019, and
 * how does late reporting change the answer": the result at A is exactly what timeToEvent with
 * asOf = A returns, and `people` counts how individual episodes moved between the two.
 */
export async function compareAsOf(
  histories: Histories,
  query: Omit<TimeToEventQuery, 'asOf'>,
  asOfA: string,
  asOfB: string,
): Promise<AsOfComparison> {
  const accA = new TimeToEventAccumulator({ ...query, asOf: asOfA }, asOfA);
  const accB = new TimeToEventAccumulator({ ...query, asOf: asOfB }, asOfB);
  const probe = new EpisodeEvaluator(query, { attributes: false });
  const msA = parseAsOf(asOfA);
  const msB = parseAsOf(asOfB);
  const people = { entered: 0, left: 0, gainedEvent: 0, lostEvent: 0, durationChanged: 0 };
  const locate = groupLocator(query);
  const byGroup = new Map<string, { entered: number; left: number; gainedEvent: number; lostEvent: number; durationChanged: number }>();
  const changes = (id: string) => {
    let c = byGroup.get(id);
    if (c === undefined) byGroup.set(id, (c = { entered: 0, left: 0, gainedEvent: 0, lostEvent: 0, durationChanged: 0 }));
    return c;
  };
  const visit = (h: PersonHistory) => {
    accA.add(h);
    accB.add(h);
    const ga = locate(h, msA);
    const gb = locate(h, msB);
    if (ga !== null && (gb === null || gb.group !== ga.group)) changes(ga.group).left++;
    if (gb !== null && (ga === null || ga.group !== gb.group)) changes(gb.group).entered++;
    if (ga !== null && gb !== null && ga.group === gb.group) {
      const c = changes(ga.group);
      if (!ga.event && gb.event) c.gainedEvent++;
      else if (ga.event && !gb.event) c.lostEvent++;
      else if (ga.days !== gb.days) c.durationChanged++;
    }
    const inA = probe.evaluate(h.events, msA);
    const eventA = probe.event;
    const daysA = probe.days;
    const inB = probe.evaluate(h.events, msB);
    if (inA && !inB) people.left++;
    else if (!inA && inB) people.entered++;
    else if (inA && inB) {
      if (!eventA && probe.event) people.gainedEvent++;
      else if (eventA && !probe.event) people.lostEvent++;
      else if (daysA !== probe.days) people.durationChanged++;
    }
  };
  if (typeof (histories as AsyncIterable<PersonHistory>)[Symbol.asyncIterator] === 'function') {
    for await (const h of histories as AsyncIterable<PersonHistory>) visit(h);
  } else {
    for (const h of histories as Iterable<PersonHistory>) visit(h);
  }
  const a = accA.result();
  const b = accB.result();
  return { a, b, groups: diffGroups(a, b, byGroup), people };
}

/**
 * Where a person's episode falls as known at an instant: its group (as JSON of the group key, the
 * accumulator's grouping and key order), status and duration; null when there is none or the
 * person is outside the cohort then.
 */
function groupLocator(query: Omit<TimeToEventQuery, 'asOf'>): (h: PersonHistory, asOfMs: number) => { group: string; event: boolean; days: number } | null {
  const groupBy = normaliseGroupBy(query.groupBy);
  const inCohort = compileCohort(query.cohort);
  const evaluator = new EpisodeEvaluator(query, { attributes: groupBy.length > 0 || inCohort !== null });
  const scratch = emptyAttributes();
  return (h, asOfMs) => {
    if (!evaluator.evaluate(h.events, asOfMs)) return null;
    const key: Partial<Record<AttributeKey, string | number | null>> = {};
    if (groupBy.length > 0 || inCohort !== null) {
      const attributes = evaluator.attributes(scratch);
      if (inCohort !== null && !inCohort(attributes)) return null;
      for (const k of groupBy) key[k] = attributes[k] ?? null;
    }
    return { group: JSON.stringify(key), event: evaluator.event, days: evaluator.days };
  };
}

const NO_CHANGES: GroupChanges = { entered: 0, left: 0, gainedEvent: 0, lostEvent: 0, durationChanged: 0 };

function diffGroups(a: TimeToEventResult, b: TimeToEventResult, byGroup: ReadonlyMap<string, GroupChanges>): GroupDifference[] {
  const byKey = new Map<string, { a?: TimeToEventResult['groups'][number]; b?: TimeToEventResult['groups'][number] }>();
  for (const g of a.groups) byKey.set(JSON.stringify(g.key), { a: g });
  for (const g of b.groups) {
    const id = JSON.stringify(g.key);
    byKey.set(id, { ...byKey.get(id), b: g });
  }
  const delta = (x: number | null, y: number | null) => (x === null || y === null ? null : y - x);
  return [...byKey.values()].map(({ a: ga, b: gb }) => {
    const days = (ga ?? gb)!.horizons.map((h) => h.day);
    return {
      key: (ga ?? gb)!.key,
      n: { a: ga?.n ?? 0, b: gb?.n ?? 0 },
      events: { a: ga?.events ?? 0, b: gb?.events ?? 0 },
      median: { a: ga?.median ?? null, b: gb?.median ?? null, delta: delta(ga?.median ?? null, gb?.median ?? null) },
      horizons: days.map((day, i) => {
        const sa = ga?.horizons[i].share ?? null;
        const sb = gb?.horizons[i].share ?? null;
        return { day, a: sa, b: sb, delta: delta(sa, sb) };
      }),
      people: byGroup.get(JSON.stringify((ga ?? gb)!.key)) ?? NO_CHANGES,
    };
  });
}
