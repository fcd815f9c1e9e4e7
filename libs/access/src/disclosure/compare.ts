import type { AsOfComparison, GroupKey } from '@kedja/analytics';
import { SuppressionTable } from './suppression';
import { addTimeToEventCells, controlledGroup, releaseGroups, type ControlledGroup, type DisclosureNote } from './time-to-event';

export interface ControlledChanges {
  readonly entered: number | null;
  readonly left: number | null;
  readonly gainedEvent: number | null;
  readonly lostEvent: number | null;
  readonly durationChanged: number | null;
}

export interface Pair {
  readonly a: number | null;
  readonly b: number | null;
}

export interface ControlledGroupComparison {
  readonly key: GroupKey;
  readonly n: Pair;
  readonly events: Pair;
  readonly median: Pair & { readonly delta: number | null };
  readonly horizons: ReadonlyArray<Pair & { readonly day: number; readonly delta: number | null }>;
  readonly people: ControlledChanges;
  readonly suppressed?: true;
  readonly suppressedFields?: string[];
}

export interface ControlledComparison {
  readonly asOf: { readonly a: string; readonly b: string };
  readonly disclosure: DisclosureNote;
  readonly groups: ControlledGroupComparison[];
}

const CHANGE_FIELDS = ['entered', 'left', 'gainedEvent', 'lostEvent', 'durationChanged'] as const;

/**
 * An as-of comparison under disclosure control. Each side is released exactly as the
 * time-to-event answer for that asOf is (so that asking both and comparing gives nothing more),
 * and the per-group movements are then controlled against everything those two answers release:
 * n at A = left + stayed, n at B = entered + stayed, stayed = gainedEvent + lostEvent +
 * durationChanged + unchanged. A movement count of 1 to k − 1, or one that follows from the
 * others, is withheld.
 */
export function controlComparison(comparison: AsOfComparison, groupBy: readonly string[], k: number): ControlledComparison {
  const sides = (['a', 'b'] as const).map((side) => {
    const result = comparison[side];
    const released = releaseGroups(result, k);
    const own = new SuppressionTable();
    addTimeToEventCells(own, '', released, groupBy);
    const hidden = own.solve(k);
    const groups = released.map((r, i) => controlledGroup('', i, r, hidden));
    const index = new Map(result.groups.map((g, i) => [JSON.stringify(g.key), i]));
    return { side, released, hidden, groups, index };
  });

  const table = new SuppressionTable();
  for (const s of sides) {
    const prefixedHidden = new Set([...s.hidden].map((id) => `${s.side}.${id}`));
    const part = new SuppressionTable();
    addTimeToEventCells(part, `${s.side}.`, s.released, groupBy);
    part.freeze(prefixedHidden);
    table.merge(part);
  }
  comparison.groups.forEach((g, j) => {
    const key = JSON.stringify(g.key);
    const n = (side: 0 | 1) => {
      const i = sides[side].index.get(key);
      if (i !== undefined) return `${sides[side].side}.g${i}.n`;
      const id = `x${j}.${sides[side].side}.n`;
      table.cell(id, { value: 0, kind: 'external' }); // the group is not in that answer: nobody
      return id;
    };
    const id = (f: string) => `x${j}.${f}`;
    for (const f of CHANGE_FIELDS) table.cell(id(f), { value: g.people[f], kind: 'published' });
    const stayed = (g.n.a ?? 0) - g.people.left;
    table.cell(id('stayed'), { value: stayed, kind: 'implicit' });
    table.cell(id('unchanged'), { value: stayed - g.people.gainedEvent - g.people.lostEvent - g.people.durationChanged, kind: 'implicit' });
    table.sum(n(0), [id('left'), id('stayed')]);
    table.sum(n(1), [id('entered'), id('stayed')]);
    table.sum(id('stayed'), [id('gainedEvent'), id('lostEvent'), id('durationChanged'), id('unchanged')]);
  });
  const hidden = table.solve(k);

  const groups = comparison.groups.map((g, j): ControlledGroupComparison => {
    const key = JSON.stringify(g.key);
    const pick = (side: 0 | 1): ControlledGroup | null => {
      const i = sides[side].index.get(key);
      return i === undefined ? null : sides[side].groups[i];
    };
    const ga = pick(0);
    const gb = pick(1);
    const fields = new Set<string>();
    for (const [side, cg] of [['a', ga], ['b', gb]] as const) for (const f of cg?.suppressedFields ?? []) fields.add(`${side}.${f}`);
    const change = (f: (typeof CHANGE_FIELDS)[number]) => {
      const withheld = hidden.has(`x${j}.${f}`);
      if (withheld) fields.add(`people.${f}`);
      return withheld ? null : g.people[f];
    };
    const people: ControlledChanges = {
      entered: change('entered'),
      left: change('left'),
      gainedEvent: change('gainedEvent'),
      lostEvent: change('lostEvent'),
      durationChanged: change('durationChanged'),
    };
    const delta = (x: number | null, y: number | null) => (x === null || y === null ? null : y - x);
    // A side without the group has nobody in it: 0 people, not an unknown.
    const count = (cg: ControlledGroup | null, f: 'n' | 'events') => (cg === null ? 0 : cg[f]);
    const ma = ga?.median ?? null;
    const mb = gb?.median ?? null;
    const base = {
      key: g.key,
      n: { a: count(ga, 'n'), b: count(gb, 'n') },
      events: { a: count(ga, 'events'), b: count(gb, 'events') },
      median: { a: ma, b: mb, delta: delta(ma, mb) },
      horizons: g.horizons.map((h, i) => {
        const a = ga?.horizons[i]?.share ?? null;
        const b = gb?.horizons[i]?.share ?? null;
        return { day: h.day, a, b, delta: delta(a, b) };
      }),
      people,
    };
    return fields.size > 0 ? { ...base, suppressed: true, suppressedFields: [...fields] } : base;
  });
  return { asOf: { a: comparison.a.asOf, b: comparison.b.asOf }, disclosure: { minCell: k }, groups };
}
