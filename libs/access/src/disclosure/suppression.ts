import { isSmall } from './threshold';

/**
 * Complementary cell suppression over one answer, as a small linear system.
 *
 * An answer is a set of cells (counts of people) tied by additive constraints `parent = Σ children`
 * (n = events + censored, a county total = the sum of its municipalities, a group's events = the
 * events on its released curve + those after it, ...). Some cells are published, some are never
 * published but follow from the others (implicit: "people not yet received" = people − received),
 * and some are known to the reader from another answer (external: the ungrouped total of a grouped
 * query). A count of 1 to k − 1 must neither be published nor follow from what is.
 *
 * The rule, applied until nothing changes:
 * 1. primary: every published cell of 1 to k − 1 is withheld;
 * 2. a reader knows every published cell, every external cell of 0 or at least k (an external
 *    total is itself controlled where it is published), and every cell that is the only unknown
 *    of a constraint (repeatedly, so chains of differences are followed);
 * 3. if a known cell that is not published is 1 to k − 1, or the unknown children of a constraint
 *    whose parent is known sum to 1 to k − 1, one more published cell is withheld: the cheapest,
 *    then smallest, published cell of a constraint on that derivation (a group's events before its
 *    size, its size before its curve); when none can be, the published cells of the leaking sum.
 * Withholding a cell withholds its bundle (a group's size takes its whole group with it).
 * Deriving by single unknowns and by sums of unknowns covers differencing within one answer and
 * against the marginal totals; it is not a general solver over several constraints at once, and
 * differences between answers to different cohorts are outside what one answer can control.
 */
export type CellKind = 'published' | 'implicit' | 'external';

export interface CellSpec {
  readonly value: number;
  readonly kind: CellKind;
  /** Lower is withheld first when a complement is needed. */
  readonly cost?: number;
  /** Cells withheld together with this one (its own id is implied). */
  readonly bundle?: readonly string[];
}

export interface Constraint {
  readonly parent: string;
  readonly children: readonly string[];
}

export class SuppressionTable {
  private readonly cells = new Map<string, CellSpec>();
  private readonly constraints: Constraint[] = [];

  cell(id: string, spec: CellSpec): this {
    this.cells.set(id, spec);
    return this;
  }

  /**
   * What another answer has already released, as this one's reader knows it: the cells published
   * there become external (known, never withheld here) and those withheld there implicit.
   */
  freeze(hidden: ReadonlySet<string>): this {
    for (const [id, c] of this.cells) {
      if (c.kind === 'published') this.cells.set(id, { value: c.value, kind: hidden.has(id) ? 'implicit' : 'external' });
    }
    return this;
  }

  /** Adds another table's cells and constraints (ids must not collide). */
  merge(other: SuppressionTable): this {
    for (const [id, c] of other.cells) this.cells.set(id, c);
    this.constraints.push(...other.constraints);
    return this;
  }

  sum(parent: string, children: readonly string[]): this {
    this.constraints.push({ parent, children });
    return this;
  }

  /** The ids of the published cells to withhold. */
  solve(k: number): Set<string> {
    // Cells as indexes into flat arrays: a table of thousands of groups is solved in a few rounds
    // over arrays instead of maps of strings.
    const ids = [...this.cells.keys()];
    const index = new Map(ids.map((id, i) => [id, i]));
    const count = ids.length;
    const value = new Float64Array(count);
    const cost = new Float64Array(count);
    const published = new Uint8Array(count);
    const external = new Uint8Array(count);
    const bundles: number[][] = [];
    ids.forEach((id, i) => {
      const c = this.cells.get(id)!;
      value[i] = c.value;
      cost[i] = c.cost ?? 0;
      published[i] = c.kind === 'published' ? 1 : 0;
      external[i] = c.kind === 'external' ? 1 : 0;
      bundles.push((c.bundle ?? []).map((b) => index.get(b)).filter((b): b is number => b !== undefined && this.cells.get(ids[b])!.kind === 'published'));
    });
    const cellOf = (id: string) => {
      let i = index.get(id);
      if (i === undefined) {
        // A sum may name a cell nobody declared: an implicit 0.
        i = ids.length;
        ids.push(id);
        index.set(id, i);
      }
      return i;
    };
    const members = this.constraints.map((c) => [cellOf(c.parent), ...c.children.map(cellOf)]);
    const total = ids.length;
    const hidden = new Uint8Array(total);
    const isOpen = (i: number) => i < count && published[i] === 1 && hidden[i] === 0;
    const val = (i: number) => (i < count ? value[i] : 0);
    const hide = (i: number) => {
      hidden[i] = 1;
      for (const b of bundles[i]) hidden[b] = 1;
    };
    for (let i = 0; i < count; i++) if (published[i] === 1 && isSmall(value[i], k)) hide(i);
    const containing: number[][] = Array.from({ length: total }, () => []);
    members.forEach((ms, c) => {
      for (const m of ms) containing[m].push(c);
    });
    const known = new Uint8Array(total);
    const unknownCount = new Int32Array(members.length);
    const derivedBy = new Int32Array(total);
    for (let round = 0; round <= total + 1; round++) {
      // What the reader knows: published and external cells, then every single unknown of a
      // constraint, followed through a worklist (linear in the size of the table per round).
      for (let i = 0; i < total; i++) known[i] = isOpen(i) || (i < count && external[i] === 1 && !isSmall(value[i], k)) ? 1 : 0;
      derivedBy.fill(-1);
      const queue: number[] = [];
      members.forEach((ms, c) => {
        let n = 0;
        for (const m of ms) if (known[m] === 0) n++;
        unknownCount[c] = n;
        if (n === 1) queue.push(c);
      });
      while (queue.length > 0) {
        const c = queue.pop()!;
        if (unknownCount[c] !== 1) continue;
        const u = members[c].find((m) => known[m] === 0)!;
        known[u] = 1;
        derivedBy[u] = c;
        for (const j of containing[u]) if (--unknownCount[j] === 1) queue.push(j);
      }
      // Every sum through which a small withheld count follows (all its members known, one of them
      // small and withheld), and every sum whose unknown children add up to a small count.
      const leaks: number[] = [];
      const leaking = (m: number) => known[m] === 1 && !isOpen(m) && isSmall(val(m), k) && !(m < count && external[m] === 1);
      members.forEach((ms, c) => {
        if (unknownCount[c] === 0) {
          if (ms.some(leaking)) leaks.push(c);
        } else if (unknownCount[c] >= 2 && known[ms[0]] === 1) {
          let rest = 0;
          for (let j = 1; j < ms.length; j++) if (known[ms[j]] === 0) rest += val(ms[j]);
          if (isSmall(rest, k)) leaks.push(c);
        }
      });
      if (leaks.length === 0) break;
      // One complement per leak in a round (not one per round), so that a table with thousands of
      // small groups needs few rounds; a sum that this round's complements already touch is looked
      // at again next round. Sums of group sizes first: withholding a group's size withholds its
      // counts too, which often closes the leaks of the sums of events and censored in one stroke.
      const weight = new Map<number, number>();
      for (const c of leaks) {
        let w = -1;
        for (const m of members[c]) if (isOpen(m)) w = Math.max(w, cost[m]);
        weight.set(c, w);
      }
      leaks.sort((x, y) => weight.get(y)! - weight.get(x)!);
      let changed = false;
      const touched = new Uint8Array(members.length);
      for (const leak of leaks) {
        if (touched[leak] === 1) continue;
        // A published 0 is withheld only when nothing else on the derivation can be: "0 left"
        // and n at both moments give "1 entered".
        const candidate = this.search(leak, members, derivedBy, isOpen, val, cost, 1) ?? this.search(leak, members, derivedBy, isOpen, val, cost, 0);
        if (candidate === undefined) continue;
        hide(candidate);
        changed = true;
        for (const i of [candidate, ...bundles[candidate]]) for (const c of containing[i]) touched[c] = 1;
      }
      if (!changed) {
        // Nothing on the derivations can be withheld: withhold what is published in the leaking sums.
        for (const leak of leaks) {
          for (const m of members[leak]) {
            if (!isOpen(m)) continue;
            hide(m);
            changed = true;
          }
        }
        if (!changed) break; // only external knowledge is left: nothing here can hide it
      }
    }
    const out = new Set<string>();
    for (let i = 0; i < count; i++) if (hidden[i] === 1 && published[i] === 1) out.add(ids[i]);
    return out;
  }

  /** The cell to withhold for a leak through sum `leak`: searched along the derivation, nearest first, cheapest then smallest. */
  private search(
    leak: number,
    members: readonly number[][],
    derivedBy: Int32Array,
    isOpen: (i: number) => boolean,
    val: (i: number) => number,
    cost: Float64Array,
    least: number,
  ): number | undefined {
    const seen = new Set<number>();
    let frontier = [leak];
    const rank = (i: number) => cost[i] * 1e12 + val(i);
    while (frontier.length > 0) {
      let best: number | undefined;
      const next: number[] = [];
      for (const c of frontier) {
        seen.add(c);
        for (const m of members[c]) {
          if (isOpen(m) && val(m) >= least) {
            if (best === undefined || rank(m) < rank(best)) best = m;
          } else {
            const from = derivedBy[m];
            if (from >= 0 && !seen.has(from)) next.push(from);
          }
        }
      }
      if (best !== undefined) return best;
      frontier = next;
    }
    return undefined;
  }
}
