import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from '@kedja/event-store';

/*
 * The worker's side: on a SQLite store, opens its own connection to the store's file (busy_timeout
 * and synchronous as the store's connection has them); runs `workerData.setup` once to get a
 * handler, and answers each `{ id, request }` with `{ id, result }` or `{ id, error }`. Plain
 * JavaScript run with `eval`, so the same source works from dist/ and under jest's TypeScript.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
let db;
if (workerData.file !== undefined) {
  const Database = require(workerData.driver);
  db = new Database(workerData.file);
  db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
  db.pragma('synchronous = ' + workerData.synchronous);
  if (workerData.walAutocheckpoint !== undefined) db.pragma('wal_autocheckpoint = ' + workerData.walAutocheckpoint);
}
const setup = new Function('db', 'options', 'require', workerData.setup);
let handle;
let wal;
// A failed fsync is final, as for the store's own connection (WalDurability): the kernel may have
// dropped the pages it could not write, so a later sync that succeeds would prove nothing.
let syncFailure;
// The store's FULL durability (see WalDurability): commit under NORMAL, without holding the write
// lock through a sync, then sync the WAL (and its directory entry, once) before answering.
const syncWal = () => {
  if (wal === undefined) {
    const dir = fs.openSync(path.dirname(path.resolve(workerData.file)), 'r');
    try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
    wal = fs.openSync(workerData.file + '-wal', 'r');
  }
  fs.fdatasyncSync(wal);
};
// Requests arrive in batches (see WorkerThread.run) and are answered in one message per batch,
// each with its own result or error; a writer syncs the WAL once for the batch.
parentPort.on('message', (batch) => {
  const answers = [];
  if (syncFailure !== undefined) {
    parentPort.postMessage(batch.map(({ id }) => ({ id, error: syncFailure })));
    return;
  }
  for (const { id, request } of batch) {
    try {
      if (!handle) handle = setup(db, workerData.options, require);
      answers.push({ id, result: handle(request) });
    } catch (error) {
      handle = undefined;
      answers.push({ id, error: String((error && error.message) || error) });
    }
  }
  try {
    if (workerData.syncWal && answers.some((a) => a.error === undefined)) syncWal();
  } catch (error) {
    // Nothing written in this batch is known durable: every one of its requests fails.
    syncFailure = 'syncing the WAL failed: ' + String((error && error.message) || error);
    for (const answer of answers) { delete answer.result; answer.error = syncFailure; }
  }
  parentPort.postMessage(answers);
});
`;

/**
 * Synchronous work in a worker thread, so it does not hold the event loop: better-sqlite3 work on
 * a second connection to the store's file (`onSqlite`), or CPU work alone (`plain`). SQLite itself
 * keeps the two connections consistent (WAL: a reader sees what was committed before its
 * statement; one writer at a time, the other waiting up to busy_timeout).
 *
 * If the worker dies, its pending requests fail and `usable` turns false; callers then do the
 * work on the event loop (on the store's own connection). `onSqlite` gives none for an in-memory
 * database, which no second connection shares.
 */
export class WorkerThread<Request, Result> {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(result: Result): void; reject(error: Error): void }>();
  private readonly inFlight = new Set<Promise<Result>>();
  private nextId = 0;
  private alive = true;
  /** Requests not yet posted: all those made in one turn of the event loop go in one message. */
  private outbox: Array<{ id: number; request: Request }> = [];

  /** Whether the worker syncs the WAL after each request (a writer on a FULL store). */
  readonly syncsWal: boolean;

  private constructor(db: SqliteDatabase | null, setup: string, options: unknown, private readonly name: string, writes: boolean) {
    // A FULL store's connection runs SQLite's NORMAL and syncs the WAL itself after its commits;
    // a writing thread must do the same, or what it acknowledges could be lost on power failure.
    this.syncsWal = db !== null && writes && db.durableCommits;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        ...(db && {
          driver: require.resolve('better-sqlite3'),
          file: db.file,
          synchronous: db.durableCommits ? 1 : Number(db.connection.pragma('synchronous', { simple: true })),
          busyTimeoutMs: Number(db.connection.pragma('busy_timeout', { simple: true })),
          // A writer checkpoints as the store's connection does: in the background, its own
          // automatic checkpoint only a safety net. With SQLite's default it checkpointed every
          // ~1,000 pages inside its commits, and every read waiting for its audit row waited too.
          walAutocheckpoint: writes ? db.walAutocheckpointPages : undefined,
        }),
        syncWal: this.syncsWal,
        setup,
        options,
      },
    });
    if (db && writes) db.checkpointInBackground();
    this.worker.on('message', (answers: ReadonlyArray<{ id: number; result?: Result; error?: string }>) => {
      for (const { id, result, error } of answers) {
        const waiting = this.pending.get(id);
        this.pending.delete(id);
        if (error === undefined) waiting?.resolve(result as Result);
        else waiting?.reject(new Error(`${name} failed: ${error}`));
      }
    });
    const fail = (reason: string) => {
      this.alive = false;
      for (const waiting of this.pending.values()) waiting.reject(new Error(reason));
      this.pending.clear();
    };
    this.worker.on('error', (error) => fail(`${name} thread failed: ${error.message}`));
    this.worker.on('exit', (code) => fail(`${name} thread exited with ${code}`));
    // Never what keeps the process alive: the store and the server are.
    this.worker.unref();
  }

  /**
   * `setup` is the body of `function (db, options, require)` run in the worker, returning the
   * handler `(request) => result` (structured-cloneable both ways). `require` loads modules by
   * absolute path (see `workerModule`).
   */
  static onSqlite<Request, Result>(
    db: SqliteDatabase, name: string, setup: string, options?: unknown, access: { readonly writes: boolean } = { writes: false },
  ): WorkerThread<Request, Result> | null {
    if (db.file === ':memory:' || db.file === '') return null;
    return new WorkerThread<Request, Result>(db, setup, options, name, access.writes);
  }

  /** As `onSqlite`, for work that needs no database (`db` is undefined in the setup). */
  static plain<Request, Result>(name: string, setup: string, options?: unknown): WorkerThread<Request, Result> {
    return new WorkerThread<Request, Result>(null, setup, options, name, false);
  }

  get usable(): boolean {
    return this.alive;
  }

  /**
   * What a worker's setup passes to `require` to load `file` (an absolute path from
   * `require.resolve` in the caller's module): the compiled module from dist/, or under jest the
   * TypeScript source, after the hook that compiles it as jest does.
   */
  static workerModule(file: string): { readonly file: string; readonly register?: string } {
    return file.endsWith('.ts') ? { file, register: path.resolve(__dirname, '../../../../test/support/ts-register.js') } : { file };
  }

  run(request: Request): Promise<Result> {
    if (!this.alive) return Promise.reject(new Error(`${this.name} thread is closed`));
    const done = new Promise<Result>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      // Posting a message costs a copy and a wake-up of the worker; under load, profiles put one
      // per read at a tenth of the event loop. Requests parsed in the same poll phase go together,
      // posted in the check phase right after it.
      if (this.outbox.length === 0) setImmediate(this.flush);
      this.outbox.push({ id, request });
    });
    this.inFlight.add(done);
    const settled = () => void this.inFlight.delete(done);
    done.then(settled, settled);
    return done;
  }

  private readonly flush = (): void => {
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length > 0 && this.alive) this.worker.postMessage(batch);
  };

  /** Waits for the requests in flight, then stops the worker. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.alive = false;
    await this.worker.terminate();
  }

  /** For tests: the worker, to kill it. */
  get thread(): Worker {
    return this.worker;
  }
}
