import BetterSqlite3 from 'better-sqlite3';
import { AsyncMutex } from './async-mutex';
import { SQLITE_COMPANIONS, ensurePrivateFile } from './file-modes';
import { SqlDatabase, SqlDialect, SqlExecutor } from './sql-database';
import { SqliteCheckpointer } from './sqlite-checkpointer';
import { WalDurability } from './wal-durability';

/**
 * `FULL`: every commit is on disk before the call that made it resolves; an acknowledged event
 * survives a power failure or an OS crash. (Implemented with SQLite's `synchronous=NORMAL` plus
 * an `fdatasync` of the WAL off the event loop, shared by concurrent commits: see
 * `WalDurability`. SQLite's own FULL would block the whole process for each commit's sync.)
 * `NORMAL` syncs only at checkpoints: still safe against a crash of this process (the WAL is in
 * the OS page cache), but the last commits can be lost if the machine itself goes down. The event
 * store is the system of record, so the default is FULL; choose NORMAL for throwaway data or
 * disposable environments.
 */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

export interface SqliteDatabaseOptions {
  /** A file path, or ':memory:'. */
  readonly file: string;
  readonly synchronous?: SqliteSynchronous;
  /** How long a writer waits for another process's write lock before failing. */
  readonly busyTimeoutMs?: number;
  /** Checkpoint the WAL from a worker thread instead of inside commits (default true for files). */
  readonly backgroundCheckpoints?: boolean;
}

interface Prepared {
  readonly statement: BetterSqlite3.Statement;
  /** For each `?` in order, the index (0-based) of the `$n` parameter it stands for. */
  readonly order: readonly number[];
}

const MAX_CACHED_STATEMENTS = 500;

/** Commits before the background checkpointer starts (short-lived databases never need one). */
const CHECKPOINTER_AFTER_COMMITS = 64;

/**
 * The main connection's own automatic checkpoint, in pages: only a safety net behind the
 * background checkpointer (SQLite's default is 1,000 pages, about 4 MB).
 */
const SAFETY_NET_CHECKPOINT_PAGES = 16_000;

/**
 * Translates `$1, $2, ...` to anonymous `?`: better-sqlite3 does not bind numbered `?NNN`
 * parameters from an array, so a `$n` used twice becomes two `?` bound to the same value.
 * Quoted strings and identifiers are left alone.
 */
export function translatePlaceholders(sql: string): { sql: string; order: number[] } {
  let out = '';
  const order: number[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < sql.length && /[0-9]/.test(sql[j])) j++;
      order.push(Number(sql.slice(i + 1, j)) - 1);
      out += '?';
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return { sql: out, order };
}

function toSqliteValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  return value;
}

/**
 * An async facade over one synchronous better-sqlite3 connection. Every statement runs
 * synchronously, so a statement can only interleave with a transaction at its `await` points;
 * the mutex makes everything else wait while a transaction is open, which keeps uncommitted rows
 * out of other callers' reads and other callers' writes out of a transaction that may roll back.
 * Consequently code inside `transaction()` must use the `tx` it is given, never the database
 * itself (that would wait for its own transaction and deadlock).
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect: SqlDialect = 'sqlite';
  readonly connection: BetterSqlite3.Database;
  readonly file: string;
  private readonly mutex = new AsyncMutex();
  private readonly statements = new Map<string, Prepared>();
  private closed = false;
  /** Present when commits must be on disk before they are acknowledged (FULL on a file). */
  private readonly durability: WalDurability | undefined;
  /**
   * True when every commit must be on disk before it is acknowledged (FULL on a file). The
   * connection itself then runs SQLite's NORMAL, so another connection writing to the same file
   * must sync the WAL itself after its commits (see the audit writer).
   */
  get durableCommits(): boolean {
    return this.durability !== undefined;
  }
  private readonly checkpointsInBackground: boolean;
  private checkpointer: SqliteCheckpointer | undefined;
  private commitCount = 0;

  constructor(options: SqliteDatabaseOptions) {
    this.file = options.file;
    const onDisk = options.file !== ':memory:' && options.file !== '';
    // 0600 before SQLite opens it, so the -wal and -shm it makes get 0600 too (file-modes.ts).
    if (onDisk) ensurePrivateFile(options.file, SQLITE_COMPANIONS);
    this.connection = new BetterSqlite3(options.file);
    if (onDisk) this.connection.pragma('journal_mode = WAL');
    const synchronous = options.synchronous ?? 'FULL';
    this.durability = onDisk && synchronous === 'FULL' ? new WalDurability(options.file) : undefined;
    this.connection.pragma(`synchronous = ${this.durability ? 'NORMAL' : synchronous}`);
    this.checkpointsInBackground = onDisk && options.backgroundCheckpoints !== false;
    if (this.checkpointsInBackground) this.connection.pragma(`wal_autocheckpoint = ${SAFETY_NET_CHECKPOINT_PAGES}`);
    this.connection.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.connection.pragma('foreign_keys = ON');
  }

  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.durableIfWritten(() => this.outside(() => this.querySync<T>(sql, params)));
  }

  /**
   * `query` for a read, each row an array of its columns in select order: better-sqlite3 then
   * builds no object keyed by column name per row, which is much of what a large read costs.
   */
  queryArrays<T extends unknown[]>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.outside(() => {
      const entry = this.prepared(sql, true, true);
      return entry.statement.all(...this.bind(entry, params)) as T[];
    });
  }

  execute(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.durableIfWritten(() => this.outside(() => this.executeSync(sql, params)));
  }

  /**
   * Resolves once every commit made so far on this connection is on disk. Reads do not wait for
   * it (a reader may see a commit a moment before it is on disk, as with SQLite's NORMAL); a
   * caller that acknowledges something from what it read (say, "already recorded") awaits this
   * first, so it never acknowledges what a power failure could still take back. Any later write
   * of the caller's own also covers it: commits reach the disk in order.
   */
  sync(): Promise<void> {
    return this.durability?.barrier() ?? Promise.resolve();
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.durable(this.mutex.runExclusive(async () => {
      // IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
      // writes can fail with SQLITE_BUSY on the lock upgrade, which busy_timeout cannot fix.
      this.connection.exec('BEGIN IMMEDIATE');
      let open = true;
      const tx: SqlExecutor = {
        dialect: 'sqlite',
        query: async <R>(sql: string, params?: readonly unknown[]) => {
          if (!open) throw new Error('transaction is finished');
          return this.querySync<R>(sql, params ?? []);
        },
        execute: async (sql: string, params?: readonly unknown[]) => {
          if (!open) throw new Error('transaction is finished');
          return this.executeSync(sql, params ?? []);
        },
      };
      try {
        const result = await fn(tx);
        this.connection.exec('COMMIT');
        this.committed();
        return result;
      } catch (error) {
        if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
        throw error;
      } finally {
        open = false;
      }
    }));
  }

  /**
   * Runs synchronous work on the raw connection in one IMMEDIATE transaction, under the same lock
   * as `transaction()`. The event store appends through this: with no awaits inside, a whole
   * append costs no more than the driver's own calls.
   */
  exclusive<T>(fn: (connection: BetterSqlite3.Database) => T, options: { readonly deferSync?: boolean } = {}): Promise<T> {
    const run = () => {
      const result = this.connection.transaction(() => fn(this.connection)).immediate();
      this.committed();
      return result;
    };
    // deferSync: resolve once committed; the caller awaits sync() before acknowledging.
    const durable = <R>(operation: Promise<R>) => (options.deferSync ? operation : this.durable(operation));
    if (this.closed) return Promise.reject(new Error('database is closed'));
    if (!this.mutex.isLocked) {
      try {
        return durable(Promise.resolve(run()));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return durable(this.mutex.runExclusive(run));
  }

  /** A cached prepared statement for SQL already written with `?` placeholders. */
  prepare(sql: string): BetterSqlite3.Statement {
    return this.prepared(sql, false).statement;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.checkpointer?.close();
    await this.mutex.runExclusive(() => {
      this.closed = true;
      this.statements.clear();
      this.connection.close();
    });
    await this.durability?.close();
  }

  /** Called after every commit of this connection. */
  private committed(): void {
    this.durability?.noteCommit();
    if (++this.commitCount === CHECKPOINTER_AFTER_COMMITS) this.checkpointInBackground();
  }

  /**
   * Starts the background checkpointer now (if this database checkpoints in the background) rather
   * than after this connection's first commits: for a second connection that writes to the same
   * file (the audit writer's thread), whose commits this connection never sees. Such a connection
   * should take `walAutocheckpointPages` as its own automatic checkpoint, or SQLite's default
   * (1,000 pages) checkpoints inside its commits, which then wait for the copy and its syncs.
   */
  checkpointInBackground(): void {
    if (this.checkpointer === undefined && this.checkpointsInBackground && !this.closed) {
      this.checkpointer = new SqliteCheckpointer(this.file);
    }
  }

  /** This connection's `wal_autocheckpoint`, in pages, for other connections that write to the file. */
  get walAutocheckpointPages(): number {
    return Number(this.connection.pragma('wal_autocheckpoint', { simple: true }));
  }

  /**
   * Resolves with the operation's result once its commit (and every one before it) is on disk;
   * the wait happens after the mutex is released, so other work goes on while the disk syncs.
   */
  private durable<T>(operation: Promise<T>): Promise<T> {
    if (!this.durability) return operation;
    return operation.then((result) => this.durability!.barrier().then(() => result));
  }

  /** `durable` for a statement that may or may not write: a plain read does not wait. */
  private durableIfWritten<T>(operation: () => Promise<T>): Promise<T> {
    if (!this.durability) return operation();
    const before = this.durability.commits;
    return operation().then((result) => (this.durability!.commits === before ? result : this.durability!.barrier().then(() => result)));
  }

  private outside<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('database is closed'));
    // No transaction open: the synchronous statement cannot interleave with anything, so it
    // skips the queue.
    if (!this.mutex.isLocked) {
      try {
        return Promise.resolve(fn());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.mutex.runExclusive(fn);
  }

  private prepared(sql: string, translate = true, arrays = false): Prepared {
    // A statement returns arrays or objects for every caller, so the two are cached apart. The
    // common key is the SQL string itself, whose hash the string keeps once computed.
    const key = arrays ? `arrays:${sql}` : translate ? sql : `raw:${sql}`;
    let entry = this.statements.get(key);
    if (!entry) {
      const translated = translate ? translatePlaceholders(sql) : { sql, order: [] };
      const statement = this.connection.prepare(translated.sql);
      if (arrays) statement.raw(true);
      entry = { statement, order: translated.order };
      if (this.statements.size >= MAX_CACHED_STATEMENTS) this.statements.clear();
      this.statements.set(key, entry);
    }
    return entry;
  }

  private bind(entry: Prepared, params: readonly unknown[]): unknown[] {
    return entry.order.map((index) => toSqliteValue(params[index]));
  }

  private querySync<T>(sql: string, params: readonly unknown[]): T[] {
    const entry = this.prepared(sql);
    const values = this.bind(entry, params);
    if (!entry.statement.reader) {
      entry.statement.run(...values);
      if (!this.connection.inTransaction) this.committed();
      return [];
    }
    return entry.statement.all(...values) as T[];
  }

  private executeSync(sql: string, params: readonly unknown[]): number {
    const entry = this.prepared(sql);
    const values = this.bind(entry, params);
    if (entry.statement.reader) return entry.statement.all(...values).length;
    const changes = entry.statement.run(...values).changes;
    // Outside a transaction the statement committed on its own.
    if (!this.connection.inTransaction) this.committed();
    return changes;
  }
}
