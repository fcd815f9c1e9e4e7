import type { SqlDialect, SqlExecutor, LogEvent } from '@kedja/event-store';

/**
 * A read model built from the global log. It owns its tables, named here by logical name; the
 * runner decides their physical names (`${logical}_g${generation}`) so a rebuild can fill a
 * fresh generation while the old one keeps answering. A projection never names a physical table
 * itself: it receives the mapping in `createTables` and `apply`.
 */
export interface Projection {
  /** A plain lower-case identifier, unique among projections; also the key of its state row. */
  readonly name: string;
  /** Bump when `apply` or the tables change meaning: the runner then rebuilds it at start. */
  readonly version: number;
  /** Logical table names (plain lower-case identifiers). */
  readonly tables: readonly string[];
  /** DDL for a fresh generation, one statement per string (tables and their indexes). */
  createTables(physical: Readonly<Record<string, string>>, dialect: SqlDialect): string[];
  /** Event types given to `apply`; the others only advance the checkpoint. */
  readonly handles: readonly string[] | 'all';
  /**
   * Folds a batch of handled events, in log order, into the tables, inside the runner's
   * transaction: it must use `tx` only, and throwing rolls back the whole batch with its
   * checkpoint.
   */
  apply(tx: SqlExecutor, physical: Readonly<Record<string, string>>, events: readonly LogEvent[]): Promise<void>;
  /**
   * Optional: a builder that fills one generation, keeping what it has folded in memory across the
   * runner's transactions. The runner rebuilds with it (`role` 'rebuild', from the start of the
   * log), and follows the log with it too (`role` 'follow', on the active generation), so people
   * it already holds need no reading; without it the runner uses `apply` for both. `fresh`:
   * nothing has been applied to the tables yet (else the builder must read what it needs of them,
   * as `apply` does).
   */
  openBuilder?(physical: Readonly<Record<string, string>>, dialect: SqlDialect, fresh: boolean, role?: 'rebuild' | 'follow'): ProjectionBuilder;
}

/**
 * Fills one generation (nobody reads it until the swap) for one runner, which alone writes it
 * while it holds the projection. The runner calls `add` with each page of handled events in log
 * order, then `write` inside the transaction that advances the checkpoint past those pages, then
 * `committed` once that transaction has committed. If anything fails the runner drops the builder
 * and opens a new one at the committed checkpoint, so the builder may trust that the tables hold
 * exactly what was committed before it was opened plus what it wrote.
 */
export interface ProjectionBuilder {
  /** Takes the next handled events (in log order); only folds them in memory. */
  add(events: readonly LogEvent[]): void;
  /** Writes what the events added since the last commit changed, inside the runner's transaction, with `tx` only. */
  write(tx: SqlExecutor): Promise<void>;
  committed(): void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Physical names must fit PostgreSQL's 63-byte identifiers with the generation suffix. */
export function validateProjection(projection: Projection): void {
  const where = `projection "${projection.name}"`;
  if (!IDENTIFIER.test(projection.name) || projection.name.length > 60) throw new Error(`${where}: name must be a lower-case identifier`);
  if (!Number.isInteger(projection.version) || projection.version < 1) throw new Error(`${where}: version must be a positive integer`);
  if (projection.tables.length === 0) throw new Error(`${where}: owns no tables`);
  const seen = new Set<string>();
  for (const table of projection.tables) {
    if (!IDENTIFIER.test(table) || table.length > 50) throw new Error(`${where}: table "${table}" must be a lower-case identifier of at most 50 characters`);
    if (seen.has(table)) throw new Error(`${where}: table "${table}" is listed twice`);
    seen.add(table);
  }
}

const CREATE_INDEX = /^\s*CREATE\s+INDEX\s+(IF\s+NOT\s+EXISTS\s+)?/i;

/**
 * A projection's DDL split into its tables (with their constraints, unique indexes included) and
 * its plain secondary indexes, the latter made safe to run again (`IF NOT EXISTS`). A rebuild
 * filled by a builder creates those indexes only before its swap: nobody reads a fresh generation
 * while it is built (the builder holds what it needs in memory), and an index built from the
 * finished table, one sort, costs less than keeping it up to date through every insert.
 */
export function splitDdl(ddl: readonly string[]): { tables: string[]; indexes: string[] } {
  const tables: string[] = [];
  const indexes: string[] = [];
  for (const sql of ddl) {
    const match = CREATE_INDEX.exec(sql);
    if (match) indexes.push(`CREATE INDEX IF NOT EXISTS ${sql.slice(match[0].length)}`);
    else tables.push(sql);
  }
  return { tables, indexes };
}

export function physicalTables(projection: Projection, generation: number): Record<string, string> {
  const physical: Record<string, string> = {};
  for (const table of projection.tables) physical[table] = `${table}_g${generation}`;
  return physical;
}
