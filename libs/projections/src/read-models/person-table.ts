import type { PersonFacts } from '@kedja/chain';
import type { SqlDialect, SqlExecutor, StoredEvent } from '@kedja/event-store';
import type { Projection } from '../projection';
import { addToHistory, factsOf, placementOf, type CompactEvent, type Placement } from './person-history';

export type ColumnValue = string | number | null;

export interface Column {
  readonly name: string;
  readonly type: 'TEXT' | 'INTEGER';
}

/** What a view derives from one person: null when the person is not on the view's list. */
export interface Derived {
  readonly columns: Readonly<Record<string, ColumnValue>>;
  readonly detail: unknown;
}

export interface ChildRows {
  readonly table: string;
  readonly columns: readonly Column[];
  readonly indexes: readonly string[];
  rows(row: PersonRow): readonly Record<string, ColumnValue>[];
}

export interface PersonViewSpec {
  readonly name: string;
  readonly version: number;
  readonly table: string;
  readonly columns: readonly Column[];
  /** Column lists to index, e.g. `listed, permit_at, person_id`. */
  readonly indexes: readonly string[];
  derive(facts: PersonFacts, history: readonly CompactEvent[]): Derived | null;
  /** A second table of rows per person (e.g. one per open gap), rewritten with the person. */
  readonly children?: ChildRows;
}

/**
 * One row per person. It keeps the person's compact history, so every event (a retraction or a
 * late report included) refolds the person from scratch: the derived columns are always what the
 * effective history says, never an increment that a retraction would have to undo.
 */
export interface PersonRow {
  readonly personId: string;
  readonly history: readonly CompactEvent[];
  readonly placement: Placement;
  readonly derived: Derived | null;
}

export function evolvePersonRow(spec: Pick<PersonViewSpec, 'derive'>, row: PersonRow | null, event: StoredEvent): PersonRow {
  const history = addToHistory(row?.history ?? [], event);
  const facts = factsOf(history);
  return { personId: event.streamId, history, placement: placementOf(history, facts), derived: spec.derive(facts, history) };
}

const BASE_COLUMNS = ['person_id', 'history', 'listed', 'residence_municipality', 'open_assignment', 'residence_county', 'mandates', 'detail'];

function indexName(table: string, i: number): string {
  return `${table}_i${i}`;
}

export function personViewProjection(spec: PersonViewSpec): Projection {
  const tables = [spec.table, ...(spec.children ? [spec.children.table] : [])];
  const columnNames = [...BASE_COLUMNS, ...spec.columns.map((c) => c.name)];
  return {
    name: spec.name,
    version: spec.version,
    tables,
    handles: 'all',
    createTables(physical: Readonly<Record<string, string>>, _dialect: SqlDialect): string[] {
      const t = physical[spec.table];
      const ddl = [
        `CREATE TABLE ${t} (
           person_id TEXT PRIMARY KEY, history TEXT NOT NULL, listed INTEGER NOT NULL,
           residence_municipality TEXT, open_assignment TEXT, residence_county TEXT, mandates TEXT NOT NULL, detail TEXT
           ${spec.columns.map((c) => `, ${c.name} ${c.type}`).join('')})`,
        `CREATE INDEX ${indexName(t, 0)} ON ${t} (residence_municipality)`,
        `CREATE INDEX ${indexName(t, 1)} ON ${t} (open_assignment)`,
        ...spec.indexes.map((cols, i) => `CREATE INDEX ${indexName(t, i + 2)} ON ${t} (${cols})`),
      ];
      if (spec.children) {
        const c = physical[spec.children.table];
        ddl.push(
          `CREATE TABLE ${c} (person_id TEXT NOT NULL${spec.children.columns.map((col) => `, ${col.name} ${col.type}`).join('')})`,
          `CREATE INDEX ${indexName(c, 0)} ON ${c} (person_id)`,
          ...spec.children.indexes.map((cols, i) => `CREATE INDEX ${indexName(c, i + 1)} ON ${c} (${cols})`),
        );
      }
      return ddl;
    },
    async apply(tx: SqlExecutor, physical: Readonly<Record<string, string>>, events: readonly StoredEvent[]): Promise<void> {
      const t = physical[spec.table];
      // One read and one write per person per batch, however many of the batch's events are theirs.
      const byPerson = new Map<string, StoredEvent[]>();
      for (const e of events) byPerson.set(e.streamId, [...(byPerson.get(e.streamId) ?? []), e]);
      for (const [personId, personEvents] of byPerson) {
        const found = await tx.query<{ history: string }>(`SELECT history FROM ${t} WHERE person_id = $1`, [personId]);
        let row: PersonRow | null = found.length > 0 ? { personId, history: JSON.parse(found[0].history) as CompactEvent[], placement: emptyPlacement, derived: null } : null;
        for (const e of personEvents) row = evolvePersonRow(spec, row, e);
        if (!row) continue;
        const values: ColumnValue[] = [
          personId,
          JSON.stringify(row.history),
          row.derived ? 1 : 0,
          row.placement.residenceMunicipality,
          row.placement.openAssignment,
          row.placement.residenceCounty,
          row.placement.mandates,
          row.derived ? JSON.stringify(row.derived.detail) : null,
          ...spec.columns.map((c) => row!.derived?.columns[c.name] ?? null),
        ];
        await tx.execute(
          `INSERT INTO ${t} (${columnNames.join(', ')}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})
           ON CONFLICT (person_id) DO UPDATE SET ${columnNames.slice(1).map((n) => `${n} = excluded.${n}`).join(', ')}`,
          values,
        );
        if (spec.children) {
          const c = physical[spec.children.table];
          await tx.execute(`DELETE FROM ${c} WHERE person_id = $1`, [personId]);
          const names = ['person_id', ...spec.children.columns.map((col) => col.name)];
          for (const child of spec.children.rows(row)) {
            const childValues = [personId, ...spec.children.columns.map((col) => child[col.name] ?? null)];
            await tx.execute(`INSERT INTO ${c} (${names.join(', ')}) VALUES (${childValues.map((_, i) => `$${i + 1}`).join(', ')})`, childValues);
          }
        }
      }
    },
  };
}

const emptyPlacement: Placement = { residenceMunicipality: null, openAssignment: null, residenceCounty: null, mandates: '||' };
