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
      // Per batch: one read of the touched persons' rows, one fold per person (however many of the
      // batch's events are theirs), and multi-row writes; a rebuild is mostly such batches, and on
      // PostgreSQL each statement is a round trip.
      const byPerson = new Map<string, StoredEvent[]>();
      for (const e of events) {
        const list = byPerson.get(e.streamId);
        if (list) list.push(e);
        else byPerson.set(e.streamId, [e]);
      }
      const ids = [...byPerson.keys()];
      const stored = new Map<string, CompactEvent[]>();
      for (const chunk of chunks(ids, READ_CHUNK)) {
        const found = await tx.query<{ person_id: string; history: string }>(
          `SELECT person_id, history FROM ${t} WHERE person_id IN (${chunk.map((_, i) => `$${i + 1}`).join(', ')})`,
          chunk,
        );
        for (const f of found) stored.set(f.person_id, JSON.parse(f.history) as CompactEvent[]);
      }
      const rows: PersonRow[] = [];
      for (const [personId, personEvents] of byPerson) {
        let history: readonly CompactEvent[] = stored.get(personId) ?? [];
        for (const e of personEvents) history = addToHistory(history, e);
        const facts = factsOf(history);
        rows.push({ personId, history, placement: placementOf(history, facts), derived: spec.derive(facts, history) });
      }
      const rowsPerStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columnNames.length));
      for (const chunk of chunks(rows, rowsPerStatement)) {
        const values: ColumnValue[] = [];
        const tuples = chunk.map((row) => {
          const start = values.length;
          values.push(
            row.personId,
            JSON.stringify(row.history),
            row.derived ? 1 : 0,
            row.placement.residenceMunicipality,
            row.placement.openAssignment,
            row.placement.residenceCounty,
            row.placement.mandates,
            row.derived ? JSON.stringify(row.derived.detail) : null,
            ...spec.columns.map((c) => row.derived?.columns[c.name] ?? null),
          );
          return `(${columnNames.map((_, i) => `$${start + i + 1}`).join(', ')})`;
        });
        await tx.execute(
          `INSERT INTO ${t} (${columnNames.join(', ')}) VALUES ${tuples.join(', ')}
           ON CONFLICT (person_id) DO UPDATE SET ${columnNames.slice(1).map((n) => `${n} = excluded.${n}`).join(', ')}`,
          values,
        );
      }
      if (spec.children) {
        const children = spec.children;
        const c = physical[children.table];
        for (const chunk of chunks(ids, READ_CHUNK)) {
          await tx.execute(`DELETE FROM ${c} WHERE person_id IN (${chunk.map((_, i) => `$${i + 1}`).join(', ')})`, chunk);
        }
        const names = ['person_id', ...children.columns.map((col) => col.name)];
        const childRows = rows.flatMap((row) => children.rows(row).map((child) => [row.personId, ...children.columns.map((col) => child[col.name] ?? null)]));
        for (const chunk of chunks(childRows, Math.max(1, Math.floor(MAX_PARAMETERS / names.length)))) {
          const values = chunk.flat();
          const tuples = chunk.map((_, r) => `(${names.map((__, i) => `$${r * names.length + i + 1}`).join(', ')})`);
          await tx.execute(`INSERT INTO ${c} (${names.join(', ')}) VALUES ${tuples.join(', ')}`, values);
        }
      }
    },
  };
}

/** Well under SQLite's (32,766) and PostgreSQL's (65,535) bound-parameter limits per statement. */
const MAX_PARAMETERS = 10_000;
const READ_CHUNK = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

