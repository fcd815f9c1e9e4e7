import type { PersonFacts } from '@kedja/chain';
import { binaryNullableTextArray, readLogStreams, type LogEvent, type SqlDialect, type SqlExecutor } from '@kedja/event-store';
import type { Projection, ProjectionBuilder } from '../projection';
import { addEvent, addToHistory, emptyPersonState, factsOf, placementOf, type CompactEvent, type PersonState, type Placement } from './person-history';

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
  /**
   * Index the placement columns (residence_municipality, open_assignment), which views filter a
   * caller's scope on. Default true; false for a view whose queries never filter this table by
   * them (they read a child table, or the county columns), where the indexes were only writes.
   */
  readonly placementIndexes?: boolean;
  derive(facts: PersonFacts, history: readonly CompactEvent[]): Derived | null;
  /** A second table of rows per person (e.g. one per open gap), rewritten with the person. */
  readonly children?: ChildRows;
}

/**
 * One row per person, derived from the person's whole effective history: every batch refolds the
 * people it touches from their events in the log (a retraction or a late report included), so the
 * derived columns are always what the history says, never an increment that a retraction would
 * have to undo. The row keeps no copy of the history: the log is it, and a copy in each of five
 * views was most of what a rebuild wrote (and five more places holding a person's facts).
 */
export interface PersonRow {
  readonly personId: string;
  readonly history: readonly CompactEvent[];
  readonly placement: Placement;
  readonly derived: Derived | null;
}

export function evolvePersonRow(spec: Pick<PersonViewSpec, 'derive'>, row: PersonRow | null, event: LogEvent): PersonRow {
  const history = addToHistory(row?.history ?? [], event);
  const facts = factsOf(history);
  return { personId: event.streamId, history, placement: placementOf(history, facts), derived: spec.derive(facts, history) };
}

const BASE_COLUMNS = ['person_id', 'listed', 'residence_municipality', 'open_assignment', 'residence_county', 'mandates', 'detail'];

function indexName(table: string, i: number): string {
  return `${table}_i${i}`;
}

/** The row of a person in the state `addEvent` keeps. */
export function rowOf(spec: Pick<PersonViewSpec, 'derive'>, personId: string, state: PersonState): PersonRow {
  const { history, facts } = state;
  return { personId, history, placement: placementOf(history, facts), derived: spec.derive(facts, history) };
}

export interface PersonViewOptions {
  /** See BUILDER_MAX_PERSONS (tests lower it to exercise forgetting). */
  readonly builderMaxPersons?: number;
  /** See FOLLOW_MAX_PERSONS. */
  readonly followMaxPersons?: number;
}

export function personViewProjection(spec: PersonViewSpec, options: PersonViewOptions = {}): Projection {
  const builderMaxPersons = options.builderMaxPersons ?? BUILDER_MAX_PERSONS;
  const followMaxPersons = options.followMaxPersons ?? FOLLOW_MAX_PERSONS;
  const tables = [spec.table, ...(spec.children ? [spec.children.table] : [])];
  const writer = new PersonTableWriter(spec);
  return {
    name: spec.name,
    version: spec.version,
    tables,
    handles: 'all',
    createTables(physical: Readonly<Record<string, string>>, _dialect: SqlDialect): string[] {
      const t = physical[spec.table];
      const ddl = [
        `CREATE TABLE ${t} (
           person_id TEXT PRIMARY KEY, listed INTEGER NOT NULL,
           residence_municipality TEXT, open_assignment TEXT, residence_county TEXT, mandates TEXT NOT NULL, detail TEXT
           ${spec.columns.map((c) => `, ${c.name} ${c.type}`).join('')})`,
        ...(spec.placementIndexes === false
          ? []
          : [`CREATE INDEX ${indexName(t, 0)} ON ${t} (residence_municipality)`, `CREATE INDEX ${indexName(t, 1)} ON ${t} (open_assignment)`]),
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
    async apply(tx: SqlExecutor, physical: Readonly<Record<string, string>>, events: readonly LogEvent[]): Promise<void> {
      // A builder that holds nobody: it refolds every person the batch touches from the log (up
      // to the batch's last event) and writes their rows, as a rebuild resumed on these tables does.
      const builder = new PersonViewBuilder(spec, writer, physical, false, 0);
      builder.add(events);
      await builder.write(tx);
    },
    openBuilder(physical: Readonly<Record<string, string>>, _dialect: SqlDialect, fresh: boolean, role: 'rebuild' | 'follow' = 'rebuild'): ProjectionBuilder {
      return new PersonViewBuilder(spec, writer, physical, fresh, role === 'follow' ? followMaxPersons : builderMaxPersons);
    },
  };
}

/**
 * How many persons a rebuild keeps in memory between its transactions (a few kB each); past it
 * the builder forgets them after a commit and refolds those it meets again from the log.
 */
export const BUILDER_MAX_PERSONS = 50_000;

/**
 * How many persons a view following the log keeps in memory (it lives as long as the process):
 * a person met again in a later batch is folded one event further instead of read again from the
 * log. Past it the builder forgets everyone after a commit and starts over. ~3 kB a person, so
 * ~30 MB per view at most.
 */
export const FOLLOW_MAX_PERSONS = 10_000;

/**
 * Fills a fresh generation during a rebuild: the persons' states stay in memory across pages and
 * transactions, so each event is folded once (`addEvent`: a chain `step`, or a refold for a
 * retraction or a late event) and each touched row is written once per transaction, never read.
 * A builder opened on tables that already hold rows (a rebuild resumed at a checkpoint, or the
 * active generation, which the runner follows the log with), or that has forgotten whom it met,
 * refolds a person it does not hold from the log, as `apply` does, and holds them from then on.
 */
interface BuilderEntry {
  state: PersonState;
  /** Changed since the last commit. */
  dirty: boolean;
  /** Has a row in the tables (so possibly child rows to replace). */
  written: boolean;
}

class PersonViewBuilder implements ProjectionBuilder {
  private readonly entries = new Map<string, BuilderEntry>();
  /** Persons met since the last commit but not held (only when `complete` is false): refolded from the log at `write`. */
  private readonly unheld = new Set<string>();
  private dirty: BuilderEntry[] = [];
  private dirtyIds: string[] = [];
  /** The last position given to `add`, and the last one committed (events at or before it have rows). */
  private lastAdded: string | undefined;
  private committedThrough: number | undefined;

  constructor(
    private readonly spec: PersonViewSpec,
    private readonly writer: PersonTableWriter,
    private readonly physical: Readonly<Record<string, string>>,
    /** Every person with a row is in `entries`: true for fresh tables. */
    private complete: boolean,
    private readonly maxPersons: number,
  ) {}

  add(events: readonly LogEvent[]): void {
    if (events.length === 0) return;
    // The first page starts just after what the tables held when this builder was opened.
    if (this.committedThrough === undefined) this.committedThrough = Number(events[0].position) - 1;
    this.lastAdded = events[events.length - 1].position;
    for (const e of events) {
      const personId = e.streamId;
      const entry = this.entries.get(personId);
      if (entry) {
        entry.state = addEvent(entry.state, e);
        this.markDirty(personId, entry);
      } else if (this.complete) {
        const created: BuilderEntry = { state: addEvent(emptyPersonState(), e), dirty: false, written: false };
        this.entries.set(personId, created);
        this.markDirty(personId, created);
      } else {
        this.unheld.add(personId);
      }
    }
  }

  async write(tx: SqlExecutor): Promise<void> {
    if (this.unheld.size > 0 && this.lastAdded !== undefined) {
      // Their whole history up to the last page, so the events of this transaction included.
      const streams = await readLogStreams(tx, [...this.unheld], this.lastAdded);
      const committedThrough = this.committedThrough as number;
      for (const personId of this.unheld) {
        let state = emptyPersonState();
        let written = false;
        for (const e of streams.get(personId) ?? []) {
          if (Number(e.position) <= committedThrough) written = true;
          state = addEvent(state, e);
        }
        const entry: BuilderEntry = { state, dirty: false, written };
        this.entries.set(personId, entry);
        this.markDirty(personId, entry);
      }
      this.unheld.clear();
    }
    const rows = this.dirty.map((entry, i) => rowOf(this.spec, this.dirtyIds[i], entry.state));
    const written = new Set(this.dirtyIds.filter((_, i) => this.dirty[i].written));
    await this.writer.write(tx, this.physical, rows, (personId) => written.has(personId));
  }

  committed(): void {
    for (const entry of this.dirty) {
      entry.dirty = false;
      entry.written = true;
    }
    this.dirty = [];
    this.dirtyIds = [];
    if (this.lastAdded !== undefined) this.committedThrough = Number(this.lastAdded);
    if (this.entries.size > this.maxPersons) {
      this.entries.clear();
      this.complete = false;
    }
  }

  private markDirty(personId: string, entry: BuilderEntry): void {
    if (entry.dirty) return;
    entry.dirty = true;
    this.dirty.push(entry);
    this.dirtyIds.push(personId);
  }
}

/** Reads and writes the rows of a person view, the statements shaped for each store. */
class PersonTableWriter {
  private readonly columnNames: string[];
  private readonly columns: readonly Column[];
  private readonly childColumns: readonly Column[];

  constructor(private readonly spec: PersonViewSpec) {
    this.columnNames = [...BASE_COLUMNS, ...spec.columns.map((c) => c.name)];
    this.columns = this.columnNames.map((name) => ({ name, type: name === 'listed' ? 'INTEGER' : (spec.columns.find((c) => c.name === name)?.type ?? 'TEXT') }));
    this.childColumns = [{ name: 'person_id', type: 'TEXT' }, ...(spec.children?.columns ?? [])];
  }

  /**
   * Upserts the rows and replaces their child rows. `mayExist` says which persons may already
   * have a row, and so child rows to delete (a person new to the tables has neither).
   */
  async write(tx: SqlExecutor, physical: Readonly<Record<string, string>>, rows: readonly PersonRow[], mayExist: (personId: string) => boolean): Promise<void> {
    if (rows.length === 0) return;
    const { spec, columnNames } = this;
    const t = physical[spec.table];
    const toValues = (row: PersonRow): ColumnValue[] => [
      row.personId,
      row.derived ? 1 : 0,
      row.placement.residenceMunicipality,
      row.placement.openAssignment,
      row.placement.residenceCounty,
      row.placement.mandates,
      row.derived ? JSON.stringify(row.derived.detail) : null,
      ...spec.columns.map((c) => row.derived?.columns[c.name] ?? null),
    ];
    const stale = rows.filter((row) => mayExist(row.personId)).map((row) => row.personId);
    // Rows all new (a fresh rebuild's commits) are plainly inserted: an upsert's conflict check
    // costs PostgreSQL a speculative insertion per row. Were one wrongly taken for new, the
    // primary key would fail the transaction, never overwrite silently.
    const conflict = stale.length > 0 ? `ON CONFLICT (person_id) DO UPDATE SET ${columnNames.slice(1).map((n) => `${n} = excluded.${n}`).join(', ')}` : '';
    await insertRows(tx, t, this.columns, rows, toValues, conflict);
    if (!spec.children) return;
    const children = spec.children;
    const c = physical[children.table];
    if (stale.length > 0) {
      if (tx.dialect === 'postgres') {
        await tx.execute(`DELETE FROM ${c} WHERE person_id = ANY($1::text[])`, [stale]);
      } else {
        for (const personId of stale) await tx.execute(`DELETE FROM ${c} WHERE person_id = $1`, [personId]);
      }
    }
    const childRows = rows.flatMap((row) => children.rows(row).map((child) => [row.personId, ...children.columns.map((col) => child[col.name] ?? null)]));
    await insertRows(tx, c, this.childColumns, childRows, (row) => row, '');
  }
}

/**
 * SQLite: one cached single-row statement per row (no per-batch SQL to translate and prepare,
 * and a statement costs no round trip). PostgreSQL: one statement per PG_ROWS_PER_STATEMENT rows
 * whose parameters are one array per column, in the binary format (`unnest`): the SQL is the same
 * every time and short to parse, the arrays need no escaping, and a rebuild's commit of ten
 * thousand rows is a handful of round trips rather than one statement of ~3,000 parameters per
 * 250 rows, each parsed and planned afresh.
 */
async function insertRows<T>(
  tx: SqlExecutor,
  table: string,
  columns: readonly Column[],
  rows: readonly T[],
  toValues: (row: T) => ColumnValue[],
  conflict: string,
): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map((c) => c.name);
  if (tx.dialect === 'postgres') {
    // Every value travels as text and INTEGER columns are cast back: the same conversion the
    // server applies to a text parameter bound to an INTEGER column.
    const sql =
      `INSERT INTO ${table} (${names.join(', ')}) SELECT ${columns.map((c) => (c.type === 'INTEGER' ? `${c.name}::integer` : c.name)).join(', ')} ` +
      `FROM unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${names.join(', ')}) ${conflict}`;
    // The next statement's parameters are gathered while the server runs the previous one.
    let running: Promise<unknown> | undefined;
    for (let start = 0; start < rows.length; start += PG_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + PG_ROWS_PER_STATEMENT);
      const arrays = columns.map(() => new Array<string | null>(chunk.length));
      for (let r = 0; r < chunk.length; r++) {
        const values = toValues(chunk[r]);
        for (let i = 0; i < arrays.length; i++) {
          const value = values[i];
          arrays[i][r] = value === null || value === undefined ? null : String(value);
        }
      }
      const params = arrays.map(binaryNullableTextArray);
      await running;
      running = tx.execute(sql, params);
      // Awaited before the next statement (or after the last); this only keeps a failure from
      // counting as unhandled if gathering the next parameters throws first.
      running.catch(() => undefined);
    }
    await running;
    return;
  }
  const sql = `INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) ${conflict}`;
  for (const row of rows) await tx.execute(sql, toValues(row));
}

/** Rows per statement on PostgreSQL: small enough that gathering one overlaps the server's work on the last. */
const PG_ROWS_PER_STATEMENT = 2000;

