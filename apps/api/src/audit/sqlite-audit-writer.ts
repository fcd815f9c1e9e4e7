import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from '@kedja/event-store';

/** One audit row as the worker inserts it, in `INSERT_SQL`'s column order. */
export type AuditRowValues = readonly [string, string, string, string, string, string, string | null, string | null, string];

const INSERT_SQL = 'INSERT INTO audit_log (at, sub, actor, action, person_id, route, purpose, as_of, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';

// Plain JavaScript, run with `eval`: the same source works from dist/ and under jest's TypeScript.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
db.pragma('synchronous = ' + workerData.synchronous);
let write;
let wal;
// The store's FULL durability: commit without holding the write lock through a sync (NORMAL),
// then sync the WAL (and its directory entry, once) before answering, as the store does.
const syncWal = () => {
  if (wal === undefined) {
    const dir = fs.openSync(path.dirname(path.resolve(workerData.file)), 'r');
    try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
    wal = fs.openSync(workerData.file + '-wal', 'r');
  }
  fs.fdatasyncSync(wal);
};
parentPort.on('message', ({ id, rows }) => {
  try {
    if (!write) {
      const insert = db.prepare(workerData.sql);
      write = db.transaction((all) => { for (const row of all) insert.run(row); });
    }
    write.immediate(rows);
    if (workerData.syncWal) syncWal();
    parentPort.postMessage({ id });
  } catch (error) {
    write = undefined;
    parentPort.postMessage({ id, error: String((error && error.message) || error) });
  }
});
`;

/**
 * Writes audit rows on a second SQLite connection in a worker thread. better-sqlite3 is
 * synchronous, so on the store's own connection each group's COMMIT (a WAL fsync under
 * synchronous=FULL, milliseconds, at times over ten) stopped the event loop, and every request in
 * flight waited behind it; here the main thread serves requests while the worker syncs. The
 * durability is the store's: with the store's FULL, the worker commits and then syncs the WAL
 * before it answers (as the store's own connection does, see WalDurability); otherwise it uses
 * the store connection's `synchronous` setting. A write resolves only after that.
 *
 * If the worker dies, its pending writes fail (their reads answer 503) and `usable` turns false,
 * so the audit log goes back to writing on the store's connection.
 */
export class SqliteAuditWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(): void; reject(error: Error): void }>();
  private readonly inFlight = new Set<Promise<void>>();
  private nextId = 0;
  private alive = true;
  /** Whether the worker syncs the WAL after each commit (the store's FULL). */
  readonly syncsWal: boolean;

  private constructor(db: SqliteDatabase) {
    // A FULL store connection runs SQLite's NORMAL and syncs the WAL itself after each commit;
    // this connection does the same. Otherwise it takes the store connection's own setting.
    const syncWal = db.durableCommits;
    this.syncsWal = syncWal;
    const synchronous = syncWal ? 1 : Number(db.connection.pragma('synchronous', { simple: true }));
    const busyTimeoutMs = Number(db.connection.pragma('busy_timeout', { simple: true }));
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), file: db.file, synchronous, syncWal, busyTimeoutMs, sql: INSERT_SQL },
    });
    this.worker.on('message', ({ id, error }: { id: number; error?: string }) => {
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      if (error === undefined) waiting?.resolve();
      else waiting?.reject(new Error(`audit write failed: ${error}`));
    });
    const fail = (reason: string) => {
      this.alive = false;
      for (const waiting of this.pending.values()) waiting.reject(new Error(reason));
      this.pending.clear();
    };
    this.worker.on('error', (error) => fail(`audit writer failed: ${error.message}`));
    this.worker.on('exit', (code) => fail(`audit writer exited with ${code}`));
    // Never what keeps the process alive: the store and the server are.
    this.worker.unref();
  }

  /** A writer for a file database; null for an in-memory one, which no second connection can share. */
  static open(db: SqliteDatabase): SqliteAuditWriter | null {
    if (db.file === ':memory:' || db.file === '') return null;
    return new SqliteAuditWriter(db);
  }

  get usable(): boolean {
    return this.alive;
  }

  /** Inserts the rows in one transaction; resolves once it is committed. */
  write(rows: readonly AuditRowValues[]): Promise<void> {
    if (!this.alive) return Promise.reject(new Error('audit writer is closed'));
    const written = new Promise<void>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, rows });
    });
    this.inFlight.add(written);
    const settled = () => void this.inFlight.delete(written);
    written.then(settled, settled);
    return written;
  }

  /** Waits for the writes in flight, then stops the worker. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.alive = false;
    await this.worker.terminate();
  }
}
