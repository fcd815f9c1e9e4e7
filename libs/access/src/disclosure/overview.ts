import { isSmall } from './threshold';
import { SuppressionTable } from './suppression';

/** A median and how many people it was computed from. */
export interface MedianInput {
  readonly value: number | null;
  readonly from: number;
}

export interface OverviewRowInput {
  readonly people: number;
  readonly received: { readonly total: number; readonly assigned: number; readonly selfArranged: number };
  readonly assigned: number;
  readonly medianDays: Readonly<Record<string, MedianInput>>;
  /** Open gaps past their threshold, and how many people they belong to. */
  readonly openGaps: { readonly gaps: number; readonly people: number };
}

export interface ControlledOverviewRow {
  readonly people: number | null;
  readonly received: { readonly total: number | null; readonly assigned: number | null; readonly selfArranged: number | null };
  readonly assigned: number | null;
  readonly medianDays: Record<string, number | null>;
  readonly openGaps: number | null;
  readonly suppressed?: true;
  readonly suppressedFields?: string[];
}

const CELLS = ['people', 'received.total', 'received.assigned', 'received.selfArranged', 'assigned'] as const;

/**
 * One municipality's row of the county overview under disclosure control. Counts of 1 to k − 1
 * are withheld, and complements where one follows from the others: people = received + not yet
 * received, received = assigned + self-arranged + other arrangements (the two remainders are not
 * published but follow by subtraction). A median needs at least k people behind it; the open gaps
 * are withheld when they are 1 to k − 1 gaps or belong to 1 to k − 1 people.
 */
export function controlOverviewRow(row: OverviewRowInput, k: number): ControlledOverviewRow {
  const values: Record<(typeof CELLS)[number], number> = {
    people: row.people,
    'received.total': row.received.total,
    'received.assigned': row.received.assigned,
    'received.selfArranged': row.received.selfArranged,
    assigned: row.assigned,
  };
  const table = new SuppressionTable();
  for (const id of CELLS) table.cell(id, { value: values[id], kind: 'published' });
  table.cell('notReceived', { value: row.people - row.received.total, kind: 'implicit' });
  table.cell('otherArrangement', { value: row.received.total - row.received.assigned - row.received.selfArranged, kind: 'implicit' });
  table.sum('people', ['received.total', 'notReceived']);
  table.sum('received.total', ['received.assigned', 'received.selfArranged', 'otherArrangement']);
  const hidden = table.solve(k);
  const fields = CELLS.filter((id) => hidden.has(id)) as string[];
  const show = (id: (typeof CELLS)[number]) => (hidden.has(id) ? null : values[id]);
  const medianDays: Record<string, number | null> = {};
  for (const [name, m] of Object.entries(row.medianDays)) {
    const withheld = isSmall(m.from, k);
    if (withheld) fields.push(`medianDays.${name}`);
    medianDays[name] = withheld ? null : m.value;
  }
  const gapsWithheld = isSmall(row.openGaps.gaps, k) || isSmall(row.openGaps.people, k);
  if (gapsWithheld) fields.push('openGaps');
  const out: ControlledOverviewRow = {
    people: show('people'),
    received: { total: show('received.total'), assigned: show('received.assigned'), selfArranged: show('received.selfArranged') },
    assigned: show('assigned'),
    medianDays,
    openGaps: gapsWithheld ? null : row.openGaps.gaps,
  };
  return fields.length > 0 ? { ...out, suppressed: true, suppressedFields: fields } : out;
}

/** A count of people (an anomaly cell): the count, or null and suppressed. */
export function controlCount(count: number, k: number): { readonly count: number | null; readonly suppressed?: true } {
  return isSmall(count, k) ? { count: null, suppressed: true } : { count };
}
