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
 *    size, its size before its curve); when none can be, everything still published that takes
 *    part in a constraint is withheld.
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

  has(id: string): boolean {
    return this.cells.has(id);
  }

  sum(parent: string, children: readonly string[]): this {
    this.constraints.push({ parent, children });
    return this;
  }

  /** The ids of the published cells to withhold. */
  solve(k: number): Set<string> {
    const hidden = new Set<string>();
    const hide = (id: string) => {
      hidden.add(id);
      for (const b of this.cells.get(id)?.bundle ?? []) if (this.cells.get(b)?.kind === 'published') hidden.add(b);
    };
    for (const [id, c] of this.cells) if (c.kind === 'published' && isSmall(c.value, k)) hide(id);
    const value = (id: string) => this.cells.get(id)?.value ?? 0;
    const open = (id: string) => this.cells.get(id)?.kind === 'published' && !hidden.has(id);
    const involved = new Set(this.constraints.flatMap((c) => [c.parent, ...c.children]));
    for (let round = 0; round <= this.cells.size + 1; round++) {
      const known = new Set<string>();
      for (const [id, c] of this.cells) {
        if (open(id) || (c.kind === 'external' && !isSmall(c.value, k))) known.add(id);
      }
      const derivedBy = new Map<string, Constraint>();
      for (let changed = true; changed; ) {
        changed = false;
        for (const c of this.constraints) {
          const unknown = [c.parent, ...c.children].filter((m) => !known.has(m));
          if (unknown.length === 1) {
            known.add(unknown[0]);
            derivedBy.set(unknown[0], c);
            changed = true;
          }
        }
      }
      let leak: Constraint | undefined;
      for (const [id, c] of derivedBy) {
        if (isSmall(value(id), k) && this.cells.get(id)?.kind !== 'external') {
          leak = c;
          break;
        }
      }
      if (leak === undefined) {
        for (const c of this.constraints) {
          if (!known.has(c.parent)) continue;
          const rest = c.children.filter((m) => !known.has(m));
          if (rest.length >= 2 && isSmall(rest.reduce((s, m) => s + value(m), 0), k)) {
            leak = c;
            break;
          }
        }
      }
      if (leak === undefined) return hidden;
      const candidate = this.complement(leak, derivedBy, open, value);
      if (candidate !== undefined) hide(candidate);
      else {
        const before = hidden.size;
        for (const id of involved) if (open(id)) hide(id);
        if (hidden.size === before) return hidden; // only external knowledge is left: nothing here can hide it
      }
    }
    return hidden;
  }

  /** The cell to withhold for a leak through `leak`: searched along the derivation, nearest first. */
  private complement(
    leak: Constraint,
    derivedBy: ReadonlyMap<string, Constraint>,
    open: (id: string) => boolean,
    value: (id: string) => number,
  ): string | undefined {
    const seen = new Set<Constraint>();
    let frontier: Constraint[] = [leak];
    while (frontier.length > 0) {
      let best: string | undefined;
      const next: Constraint[] = [];
      for (const c of frontier) {
        seen.add(c);
        for (const m of [c.parent, ...c.children]) {
          if (open(m) && value(m) > 0) {
            if (best === undefined || this.rank(m, value) < this.rank(best, value)) best = m;
          } else {
            const from = derivedBy.get(m);
            if (from !== undefined && !seen.has(from)) next.push(from);
          }
        }
      }
      if (best !== undefined) return best;
      frontier = next;
    }
    return undefined;
  }

  private rank(id: string, value: (id: string) => number): number {
    return (this.cells.get(id)?.cost ?? 0) * 1e12 + value(id);
  }
}
