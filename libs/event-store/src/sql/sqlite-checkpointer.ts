import { Worker } from 'node:worker_threads';

/**
 * Checkpoints the WAL from a worker thread with its own connection.
 *
 * SQLite's automatic checkpoint runs inside the `COMMIT` that crosses the threshold, on the
 * committing connection: it syncs the WAL, copies the pages into the database file and syncs that,
 * all on the JavaScript thread. Under ingest that was the largest single cost of an append
 * (the profile's `sqliteTransaction` self time). Here a worker runs `wal_checkpoint(PASSIVE)`
 * every `intervalMs`, which never blocks writers or readers, so the copying and both syncs
 * happen beside the event loop. The main connection keeps a high `wal_autocheckpoint` as a
 * safety net, so the WAL stays bounded even if the worker falls behind.
 */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private closed = false;

  constructor(file: string, intervalMs = 200) {
    // An eval'd worker: it needs no compiled file of its own, so it runs the same under ts-jest/swc
    // and from dist. The driver is resolved here, in the main thread's module context.
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), file, intervalMs },
    });
    // Checkpointing is an optimisation: if the worker fails, the main connection's automatic
    // checkpoint still bounds the WAL. The error is not fatal, and not to be thrown at a request.
    this.worker.on('error', () => undefined);
    this.worker.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      // Referenced while closing: an unreferenced worker would let the process end mid-await.
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('close');
    });
  }
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try { checkpoint.run(); } catch (error) { /* busy: another checkpoint or a reset is under way; next tick */ }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  try { db.close(); } finally { process.exit(0); }
});
`;
