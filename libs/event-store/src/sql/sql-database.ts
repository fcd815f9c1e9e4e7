/**
 * The one SQL seam shared by the event store, the projections, the identity index and the audit
 * log, so a read model can commit with its checkpoint in one transaction on either database.
 *
 * SQL is written once, in the common subset of SQLite and PostgreSQL, with `$1, $2, ...`
 * placeholders (the SQLite adapter maps them to its `?1, ?2, ...`). Portable conventions:
 * times as ISO 8601 TEXT, JSON as TEXT, booleans as INTEGER 0/1, upserts with
 * `INSERT ... ON CONFLICT (...) DO UPDATE`. PostgreSQL returns BIGINT columns as strings.
 */
export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlExecutor {
  readonly dialect: SqlDialect;
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface SqlDatabase extends SqlExecutor {
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Resolves once every commit made so far is durable. Writes already wait for their own commit;
   * this is for answers based on what was read. Absent where visible already means durable.
   */
  sync?(): Promise<void>;
  close(): Promise<void>;
}
