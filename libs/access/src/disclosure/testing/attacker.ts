/**
 * What an adversarial reader learns from one controlled answer, written independently of the
 * suppression engine: every published count, and every count that follows from published ones by
 * the differences a reader would take (n − events, a group's events − the events on its curve,
 * consecutive numbers at risk, a marginal total − the published groups in it). Used by the
 * property-based tests at every level (unit, HTTP); `leaks` lists each count of 1 to k − 1 found.
 */
export interface AttackedGroup {
  readonly key: Record<string, unknown>;
  readonly n: number | null;
  readonly events: number | null;
  readonly censored: number | null;
  readonly median: number | null;
  readonly curve: ReadonlyArray<{ readonly day: number; readonly atRisk: number; readonly events: number; readonly censored: number }>;
  readonly horizons: ReadonlyArray<{ readonly day: number; readonly share: number | null }>;
}

export interface TrueGroup {
  readonly key: Record<string, unknown>;
  readonly n: number;
  readonly events: number;
  readonly censored: number;
}

const small = (v: number, k: number) => v > 0 && v < k;

export function attackTimeToEvent(groups: readonly AttackedGroup[], truth: readonly TrueGroup[], groupBy: readonly string[], k: number): string[] {
  const leaks: string[] = [];
  const say = (what: string, v: number | null) => {
    if (v !== null && small(v, k)) leaks.push(`${what} = ${v}`);
  };
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
    }
  }
  return leaks;
}
