import type { SqliteDatabase } from '@kedja/event-store';
import { WorkerThread } from '../core/worker-thread';

/** One audit row as the worker inserts it, in the INSERT's column order. */
export type AuditRowValues = readonly [string, string, string, string, string, string, string | null, string | null, string];

// Runs in the worker (see WorkerThread): one IMMEDIATE transaction per group of rows.
const SETUP = `
  const insert = db.prepare('INSERT INTO audit_log (at, sub, actor, action, person_id, route, purpose, as_of, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const write = db.transaction((rows) => { for (const row of rows) insert.run(row); });
  return (rows) => { write.immediate(rows); return null; };
`;

/**
 * Writes audit rows on a second SQLite connection in a worker thread. better-sqlite3 is
 * synchronous, so on the store's own connection each group's COMMIT (a WAL fsync under
 * synchronous=FULL, milliseconds, at times over ten) stopped the event loop, and every request in
 * flight waited behind it; here the main thread serves requests while the worker syncs. The
 * durability is the store's: on a FULL store the worker commits and then syncs the WAL before it
 * answers, as the store's own connection does (see WorkerThread); a write resolves only after that.
 *
 * If the worker dies, its pending writes fail (their reads answer 503) and `usable` turns false,
 * so the audit log goes back to writing on the store's connection.
 */
export class SqliteAuditWriter {
  private constructor(private readonly thread: WorkerThread<readonly AuditRowValues[], null>) {}

  /** A writer for a file database; null for an in-memory one, which no second connection can share. */
  static open(db: SqliteDatabase): SqliteAuditWriter | null {
    const thread = WorkerThread.onSqlite<readonly AuditRowValues[], null>(db, 'audit writer', SETUP, undefined, { writes: true });
    return thread && new SqliteAuditWriter(thread);
  }

  get usable(): boolean {
    return this.thread.usable;
  }

  /** Inserts the rows in one transaction; resolves once it is committed. */
  async write(rows: readonly AuditRowValues[]): Promise<void> {
    await this.thread.run(rows);
  }

  /** Waits for the writes in flight, then stops the worker. */
  close(): Promise<void> {
    return this.thread.close();
  }

  /** Whether each write is followed by a sync of the WAL (the store's FULL). */
  get syncsWal(): boolean {
    return this.thread.syncsWal;
  }

  /** For tests: the worker, to kill it. */
  get worker(): WorkerThread<readonly AuditRowValues[], null>['thread'] {
    return this.thread.thread;
  }
}
