import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openEventStore, type OpenedEventStore, type SqliteDatabase } from '@kedja/event-store';
import { WorkerThread } from './worker-thread';

// Echoes its request doubled, or throws for 'bad'; a write thread inserts into a table of its own.
const ECHO = `
  return (r) => { if (r === 'bad') throw new Error('refused ' + r); return db.prepare('SELECT ? * 2 AS v').get(r).v; };
`;
// The worker's fs is patched from inside (process.getBuiltinModule gives the worker's own module
// object, which the worker's WAL sync calls): its second fdatasync fails, as a failing disk would.
const FAILING_SYNC = `
  const fs = process.getBuiltinModule('node:fs');
  const real = fs.fdatasyncSync;
  let syncs = 0;
  fs.fdatasyncSync = (fd) => { if (++syncs === 2) throw new Error('EIO: i/o error'); return real(fd); };
  db.exec('CREATE TABLE IF NOT EXISTS thread_probe (v INTEGER)');
  const insert = db.prepare('INSERT INTO thread_probe (v) VALUES (?)');
  return (v) => { insert.run(v); return v; };
`;

describe('WorkerThread [sqlite file]', () => {
  let dir: string;
  let opened: OpenedEventStore;
  let db: SqliteDatabase;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-thread-'));
    opened = await openEventStore({ kind: 'sqlite', file: path.join(dir, 'kedja.sqlite') });
    db = opened.db as SqliteDatabase;
  });
  afterAll(async () => {
    await opened?.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('posts the requests of one turn of the event loop as one message, and answers each with its own result or error', async () => {
    const thread = WorkerThread.onSqlite<number | string, number>(db, 'echo', ECHO)!;
    try {
      const posted = jest.spyOn(thread.thread, 'postMessage');
      const requests: Array<number | string> = Array.from({ length: 50 }, (_, i) => (i === 17 ? 'bad' : i));
      const answers = await Promise.allSettled(requests.map((r) => thread.run(r)));
      expect(posted).toHaveBeenCalledTimes(1);
      answers.forEach((answer, i) => {
        if (i === 17) expect(answer).toEqual({ status: 'rejected', reason: new Error('echo failed: refused bad') });
        else expect(answer).toEqual({ status: 'fulfilled', value: i * 2 });
      });
      // Requests of a later turn go in a message of their own, and the handler works after an error.
      await expect(thread.run(21)).resolves.toBe(42);
      expect(posted).toHaveBeenCalledTimes(2);
    } finally {
      await thread.close();
    }
  });

  it("checkpoints as the store's connection does: a writer starts the background checkpointer and takes the store's automatic checkpoint as its own", async () => {
    const readsPragma = `return () => db.pragma('wal_autocheckpoint', { simple: true });`;
    const reader = WorkerThread.onSqlite<null, number>(db, 'reader', readsPragma)!;
    const writer = WorkerThread.onSqlite<null, number>(db, 'writer', readsPragma, undefined, { writes: true })!;
    try {
      // The store's own safety net (16,000 pages), not SQLite's default of 1,000 pages, whose
      // checkpoints would run inside the writer's commits.
      expect(db.walAutocheckpointPages).toBe(16_000);
      await expect(writer.run(null)).resolves.toBe(16_000);
      await expect(reader.run(null)).resolves.toBe(1000);
      // The store itself has not committed yet; the writer's commits need the checkpointer anyway.
      expect((db as unknown as { checkpointer?: unknown }).checkpointer).toBeDefined();
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('fails every request of a batch whose WAL sync failed, and every later one, as the store does', async () => {
    expect(db.durableCommits).toBe(true);
    const thread = WorkerThread.onSqlite<number, number>(db, 'probe writer', FAILING_SYNC, undefined, { writes: true })!;
    try {
      expect(thread.syncsWal).toBe(true);
      await expect(thread.run(1)).resolves.toBe(1);
      // The second sync fails: both writes of the batch it covered fail, not only the last one.
      const batch = await Promise.allSettled([thread.run(2), thread.run(3)]);
      expect(batch.map((a) => a.status)).toEqual(['rejected', 'rejected']);
      expect(String((batch[0] as PromiseRejectedResult).reason)).toContain('syncing the WAL failed: EIO');
      // A later sync could succeed without proving the earlier pages reached the disk: refused.
      await expect(thread.run(4)).rejects.toThrow('syncing the WAL failed');
      expect(await db.query('SELECT v FROM thread_probe ORDER BY v')).toEqual([{ v: 1 }, { v: 2 }, { v: 3 }]);
    } finally {
      await thread.close();
    }
  });
});
