import fs from 'node:fs';
import path from 'node:path';

/**
 * Makes SQLite commits durable without blocking the event loop.
 *
 * With `synchronous=FULL` SQLite fsyncs the WAL inside `COMMIT`, and better-sqlite3 runs that on
 * the JavaScript thread: every request in the process waits for the disk (measured at 40% of
 * the api's time under single-event posts). Instead the connection runs with
 * `synchronous=NORMAL`, where SQLite itself still syncs the WAL before every checkpoint, the
 * database after it and the WAL header when the log is reused, so the file is never corrupted;
 * only the last commits are not yet on disk when `COMMIT` returns. This class closes that gap:
 * a caller that committed awaits `barrier()`, which resolves after an `fdatasync` of the WAL file
 * (on libuv's thread pool) that started after the commit was written. One sync covers every
 * commit written before it, so concurrent commits share it (group commit at the disk).
 *
 * Why a sync of the WAL file is enough: a commit is its frames appended to the WAL by `write()`
 * before `COMMIT` returns; recovery replays the WAL up to the last frame whose cumulative
 * checksum holds, so what is on disk after the sync is every commit up to ours, in order. The
 * directory is synced once, the first time, so the WAL file's own entry survives too.
 *
 * A failed sync is final: after an fsync error Linux may drop the dirty pages and report success
 * on the next try, so nothing written since can be trusted to be on disk. Every later barrier
 * rejects, and the operator must restart the process (as PostgreSQL does: it panics).
 */
export class WalDurability {
  private written = 0;
  private flushed = 0;
  private syncing = false;
  private fd: number | undefined;
  private failure: Error | undefined;
  private waiters: Array<{ readonly upTo: number; resolve(): void; reject(error: Error): void }> = [];

  constructor(private readonly databaseFile: string) {}

  /** How many commits have been noted (a counter, to tell whether an operation committed). */
  get commits(): number {
    return this.written;
  }

  /** Notes that a commit has been written to the WAL (call right after it returns). */
  noteCommit(): void {
    this.written++;
  }

  /** Resolves once every commit noted so far is on disk. */
  barrier(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const upTo = this.written;
    if (this.flushed >= upTo) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo, resolve, reject });
      this.sync();
    });
  }

  /** Waits for any sync in flight and releases the file. */
  async close(): Promise<void> {
    while (this.syncing || this.waiters.length > 0) {
      if (this.failure) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private sync(): void {
    if (this.syncing || this.failure) return;
    this.syncing = true;
    const upTo = this.written;
    const done = (error: NodeJS.ErrnoException | null) => {
      this.syncing = false;
      if (error) return this.fail(error);
      this.flushed = upTo;
      const waiting = this.waiters;
      this.waiters = [];
      for (const waiter of waiting) {
        if (waiter.upTo <= upTo) waiter.resolve();
        else this.waiters.push(waiter);
      }
      if (this.waiters.length > 0) this.sync();
    };
    if (this.fd !== undefined) {
      fs.fdatasync(this.fd, done);
      return;
    }
    // The WAL exists once something was committed to it; open it, and sync the directory entry once.
    fs.open(`${this.databaseFile}-wal`, 'r', (openError, fd) => {
      if (openError) return done(openError);
      this.fd = fd;
      fs.open(path.dirname(path.resolve(this.databaseFile)), 'r', (dirError, dirFd) => {
        if (dirError) return done(dirError);
        fs.fsync(dirFd, (syncError) => {
          fs.close(dirFd, () => {
            if (syncError) return done(syncError);
            fs.fdatasync(fd, done);
          });
        });
      });
    });
  }

  private fail(error: NodeJS.ErrnoException): void {
    this.failure = new Error(`The database's write-ahead log could not be synced to disk (${error.code ?? error.message}); `
      + 'writes since the last successful sync may not be durable. Restart the service.');
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) waiter.reject(this.failure);
  }
}
