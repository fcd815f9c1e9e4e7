import { groupLogRank, type AttributeKey } from '@kedja/analytics';

/**
 * What an adversarial reader learns from one controlled answer, written independently of the
 * suppression engine: every published count, and every count that follows from published ones by
 * the differences a reader would take (n − events, a group's events − the events on its curve,
 * consecutive numbers at risk, a marginal total − the published groups in it). Used by the
 * property-based tests at every level (unit, HTTP); `leaks` lists each count of 1 to k − 1 found.
 *
 * With competing risks it also differences the cumulative incidence curves: each cause's exits
 * against the group's counts, the numbers at risk of every curve of a group against each other
 * (risk sets are nested, so any difference is a number of people who left), the censorings that
 * are not competing exits, step by step and after the curves. With a log-rank test it checks that
 * no withheld group is in it and recomputes it from the released curves: a test that differs
 * from that recomputation was computed from something the answer withholds.
 */
export interface AttackedGroup {
  readonly key: Record<string, unknown>;
  readonly n: number | null;
  readonly events: number | null;
  readonly censored: number | null;
  readonly median: number | null;
  readonly curve: ReadonlyArray<{ readonly day: number; readonly atRisk: number; readonly events: number; readonly censored: number }>;
  readonly horizons: ReadonlyArray<{ readonly day: number; readonly share: number | null }>;
  readonly cumulativeIncidence?: ReadonlyArray<AttackedIncidence>;
}

export interface AttackedIncidence {
  readonly cause: string;
  readonly events: number | null;
  readonly curve: ReadonlyArray<{ readonly day: number; readonly atRisk: number; readonly events: number }>;
  readonly horizons: ReadonlyArray<{ readonly day: number; readonly share: number | null }>;
}

export interface AttackedLogRank {
  readonly observed: ReadonlyArray<number | null>;
  readonly expected: ReadonlyArray<number | null>;
  readonly chiSquare: number | null;
  readonly df: number;
  readonly stratified?: ReadonlyArray<{ readonly by: string; readonly chiSquare: number | null; readonly df: number }>;
}

export interface TrueGroup {
  readonly key: Record<string, unknown>;
  readonly n: number;
  readonly events: number;
  readonly censored: number;
  /** With competing: each cause's exits, `to` first (as TimeToEventGroup has them). */
  readonly cumulativeIncidence?: ReadonlyArray<{ readonly events: number }>;
}

const small = (v: number, k: number) => v > 0 && v < k;

export function attackTimeToEvent(
  groups: readonly AttackedGroup[],
  truth: readonly TrueGroup[],
  groupBy: readonly string[],
  k: number,
  answer: { readonly logRank?: AttackedLogRank } = {},
): string[] {
  const leaks: string[] = [];
  const say = (what: string, v: number | null) => {
    if (v !== null && small(v, k)) leaks.push(`${what} = ${v}`);
  };
  for (const g of groups) if (g.cumulativeIncidence) attackIncidence(g, say, leaks);
  if (answer.logRank) attackLogRank(groups, answer.logRank, groupBy, say, leaks);
  for (const g of groups) {
    const name = JSON.stringify(g.key);
    say(`${name}.n`, g.n);
    say(`${name}.events`, g.events);
    say(`${name}.censored`, g.censored);
    if (g.n !== null && g.events !== null) say(`${name}.n − events`, g.n - g.events);
    if (g.n !== null && g.censored !== null) say(`${name}.n − censored`, g.n - g.censored);
    let prev: (typeof g.curve)[number] | null = null;
    for (const r of g.curve) {
      say(`${name}@${r.day}.atRisk`, r.atRisk);
      say(`${name}@${r.day}.events`, r.events);
      say(`${name}@${r.day}.censored`, r.censored);
      say(`${name}@${r.day}.remaining`, r.atRisk - r.events - r.censored);
      if (prev !== null) say(`${name}@${r.day}.Δ atRisk`, prev.atRisk - r.atRisk);
      prev = r;
    }
    if (g.curve.length > 0) {
      const e = g.curve.reduce((s, r) => s + r.events, 0);
      const c = g.curve.reduce((s, r) => s + r.censored, 0);
      const n = g.n ?? g.curve[0].atRisk;
      say(`${name}: people after the curve`, n - e - c);
      if (g.events !== null) say(`${name}: events after the curve`, g.events - e);
      if (g.censored !== null) say(`${name}: censored after the curve`, g.censored - c);
      if (g.events !== null) say(`${name}: censored after the curve (n − events)`, n - g.events - c);
      if (g.censored !== null) say(`${name}: events after the curve (n − censored)`, n - g.censored - e);
    }
    // A statistic of a group whose size is withheld or small is one of few people.
    if (g.n === null || small(g.n, k)) {
      if (g.median !== null) leaks.push(`${name}.median of a withheld group`);
      if (g.horizons.some((h) => h.share !== null)) leaks.push(`${name}.horizons of a withheld group`);
    }
  }
  // Marginals: the reader asks again with fewer groupBy attributes (or none) and subtracts.
  const byKey = new Map(groups.map((g) => [JSON.stringify(g.key), g]));
  for (let mask = 0; mask < 1 << groupBy.length; mask++) {
    if (groupBy.length === 0) break;
    const fixed = groupBy.filter((_, j) => (mask & (1 << j)) !== 0);
    if (fixed.length === groupBy.length) continue;
    const cells = new Map<string, TrueGroup[]>();
    for (const t of truth) {
      const id = JSON.stringify(fixed.map((f) => t.key[f] ?? null));
      cells.set(id, [...(cells.get(id) ?? []), t]);
    }
    for (const [id, members] of cells) {
      for (const measure of ['n', 'events', 'censored'] as const) {
        const total = members.reduce((s, t) => s + t[measure], 0);
        if (small(total, k)) continue; // that answer withholds its own total
        let rest = total;
        for (const t of members) {
          const g = byKey.get(JSON.stringify(t.key));
          const published = g?.[measure] ?? null;
          if (published !== null) rest -= published;
        }
        say(`marginal ${fixed.join(',') || 'all'}=${id}.${measure} − published groups`, rest);
      }
      const causes = members[0]?.cumulativeIncidence?.length ?? 0;
      for (let j = 1; j < causes; j++) {
        const total = members.reduce((s, t) => s + (t.cumulativeIncidence?.[j]?.events ?? 0), 0);
        if (small(total, k)) continue;
        let rest = total;
        for (const t of members) {
          const published = byKey.get(JSON.stringify(t.key))?.cumulativeIncidence?.[j]?.events ?? null;
          if (published !== null) rest -= published;
        }
        say(`marginal ${fixed.join(',') || 'all'}=${id}.cause ${j} − published groups`, rest);
      }
    }
  }
  return leaks;
}

type Say = (what: string, v: number | null) => void;

function attackIncidence(g: AttackedGroup, say: Say, leaks: string[]): void {
  const name = JSON.stringify(g.key);
  const causes = g.cumulativeIncidence!;
  const withheld = g.n === null;
  for (const c of causes) {
    say(`${name}[${c.cause}].events`, c.events);
    if (withheld && (c.curve.length > 0 || c.horizons.some((h) => h.share !== null))) leaks.push(`${name}[${c.cause}] incidence of a withheld group`);
    for (const r of c.curve) {
      say(`${name}[${c.cause}]@${r.day}.atRisk`, r.atRisk);
      say(`${name}[${c.cause}]@${r.day}.events`, r.events);
    }
    const released = c.curve.reduce((s, r) => s + r.events, 0);
    // The `to` cause's exits are the group's events.
    const total = c.cause === 'to' && c.events === null ? g.events : c.events;
    if (total !== null) say(`${name}[${c.cause}]: exits after the incidence curve`, total - released);
  }
  // The censorings that are not competing exits: the group's censored less every competing cause's exits.
  const competing = causes.slice(1).map((c) => c.events);
  const onlyCensored = g.censored !== null && competing.every((e) => e !== null) ? g.censored - competing.reduce((a, b) => a! + b!, 0)! : null;
  say(`${name}: censored, not by a competing cause`, onlyCensored);
  // Every number at risk the answer states for this group: risk sets are nested, so any two differ by the people who left between.
  const atRisk = new Set<number>();
  if (g.n !== null) atRisk.add(g.n);
  for (const r of g.curve) {
    atRisk.add(r.atRisk);
    atRisk.add(r.atRisk - r.events - r.censored);
  }
  for (const c of causes) for (const r of c.curve) atRisk.add(r.atRisk);
  const values = [...atRisk].sort((a, b) => b - a);
  for (let i = 0; i + 1 < values.length; i++) say(`${name}: numbers at risk ${values[i]} − ${values[i + 1]}`, values[i] - values[i + 1]);
  // Step by step, the censorings (not competing exits) on the incidence curves.
  const rows = causes[0]?.curve ?? [];
  let censoredOnCurve = 0;
  for (let i = 0; i < rows.length; i++) {
    const exits = causes.reduce((s, c) => s + (c.curve[i]?.events ?? 0), 0);
    // Those at risk after this step: the next step's, or the Kaplan–Meier curve's next number at risk.
    let next: number | null = i + 1 < rows.length ? rows[i + 1].atRisk : null;
    if (next === null) {
      const later = g.curve.find((r) => r.day > rows[i].day);
      const lastKm = g.curve[g.curve.length - 1];
      next = later !== undefined ? later.atRisk : lastKm !== undefined && lastKm.day === rows[i].day ? lastKm.atRisk - lastKm.events - lastKm.censored : null;
    }
    if (next === null) {
      censoredOnCurve = NaN;
      continue;
    }
    const censored = rows[i].atRisk - exits - next;
    say(`${name}@${rows[i].day}: censored, not by a competing cause`, censored);
    censoredOnCurve += censored;
  }
  if (onlyCensored !== null && !Number.isNaN(censoredOnCurve)) say(`${name}: censored after the incidence curves`, onlyCensored - censoredOnCurve);
}

const close = (a: number | null, b: number | null) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)));

function attackLogRank(groups: readonly AttackedGroup[], test: AttackedLogRank, groupBy: readonly string[], say: Say, leaks: string[]): void {
  groups.forEach((g, i) => {
    const name = JSON.stringify(g.key);
    const o = test.observed[i] ?? null;
    if ((o !== null || (test.expected[i] ?? null) !== null) && (g.n === null || g.curve.length === 0)) leaks.push(`logRank of ${name}, a group without a released curve`);
    say(`logRank.observed ${name}`, o);
    if (o !== null && g.events !== null) say(`${name}.events − logRank.observed`, g.events - o);
  });
  // The test recomputed from the released curves alone (those after a curve censored at its end).
  const inTest = groups.filter((g) => g.curve.length > 0);
  const again = groupLogRank(
    inTest.map((g) => ({
      key: g.key as Record<AttributeKey, string | number | null>,
      times: g.curve.map((r) => r.day),
      events: g.curve.map((r) => r.events),
      censored: g.curve.map((r, j) => r.censored + (j === g.curve.length - 1 ? r.atRisk - r.events - r.censored : 0)),
    })),
    groupBy as AttributeKey[],
  );
  if (!close(test.chiSquare, again.chiSquare) || test.df !== again.df) {
    leaks.push(`logRank chi-square ${test.chiSquare} on ${test.df} df is not the test of the released curves (${again.chiSquare} on ${again.df} df)`);
  }
  for (const s of test.stratified ?? []) {
    const mine = again.stratified?.find((x) => x.by === s.by);
    if (mine === undefined || !close(s.chiSquare, mine.chiSquare) || s.df !== mine.df) leaks.push(`stratified logRank of ${s.by} is not the test of the released curves`);
  }
}
