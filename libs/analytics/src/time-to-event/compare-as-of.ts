import { EpisodeEvaluator, parseAsOf } from '../episodes/episode';
import type { Histories, PersonHistory } from '../types';
import { TimeToEventAccumulator, type GroupKey, type TimeToEventQuery, type TimeToEventResult } from './time-to-event';

export interface GroupDifference {
  readonly key: GroupKey;
  readonly n: { readonly a: number; readonly b: number };
  readonly events: { readonly a: number; readonly b: number };
  readonly median: { readonly a: number | null; readonly b: number | null; readonly delta: number | null };
  readonly horizons: ReadonlyArray<{ readonly day: number; readonly a: number | null; readonly b: number | null; readonly delta: number | null }>;
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
  const visit = (h: PersonHistory) => {
    accA.add(h);
    accB.add(h);
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
  return { a, b, groups: diffGroups(a, b), people };
}

function diffGroups(a: TimeToEventResult, b: TimeToEventResult): GroupDifference[] {
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
    };
  });
}
