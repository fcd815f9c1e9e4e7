import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newEvent } from '../contract/event-store.contract';
import { openEventStore } from '../open-event-store';
import { SqliteDatabase } from './sqlite-database';

const directory = fs.mkdtempSync(path.join(tmpdir(), 'kedja-wal-'));
let files = 0;
const nextFile = () => path.join(directory, `store-${++files}.db`);

afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
afterEach(() => jest.restoreAllMocks());

/** Records, in order, commits as seen by the caller and WAL syncs as seen by the disk. */
function traceSyncs(log: string[], walFile: string) {
  const real = fs.fdatasync;
  return jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    log.push(`sync-start ${fs.fstatSync(fd).size === fs.statSync(walFile).size ? 'wal' : 'other'}`);
    real(fd, (error) => {
      log.push('sync-done');
      callback(error);
    });
  }) as typeof fs.fdatasync);
}

describe('SQLite durability (synchronous FULL without blocking the event loop)', () => {
  it('acknowledges an append only after a sync of the WAL that started after its commit', async () => {
    const file = nextFile();
    const { store, db } = await openEventStore({ kind: 'sqlite', file });
    try {
      expect((db as SqliteDatabase).connection.pragma('synchronous', { simple: true })).toBe(1); // NORMAL, plus our own syncs
      const log: string[] = [];
      traceSyncs(log, `${file}-wal`);
      await store.append('s-1', [newEvent()], { expectedVersion: 'no-stream' }).then(() => log.push('acknowledged'));
      expect(log).toEqual(['sync-start wal', 'sync-done', 'acknowledged']);
    } finally {
      await store.close();
    }
  });

  it('shares one sync among concurrent commits, and still acknowledges each only after a covering sync', async () => {
    const file = nextFile();
    const { store } = await openEventStore({ kind: 'sqlite', file });
    try {
      await store.append('warm-up', [newEvent()], { expectedVersion: 'no-stream' });
      const log: string[] = [];
      const spy = traceSyncs(log, `${file}-wal`);
      await Promise.all(Array.from({ length: 20 }, (_, i) =>
        store.append(`c-${i}`, [newEvent()], { expectedVersion: 'no-stream' }).then(() => log.push(`ack ${i}`))));
      expect(spy.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(spy.mock.calls.length).toBeLessThan(20);
      // Every acknowledgement comes after a sync that completed; the last sync completes before the last ack.
      const firstDone = log.indexOf('sync-done');
      for (let i = 0; i < 20; i++) expect(log.indexOf(`ack ${i}`)).toBeGreaterThan(firstDone);
      const lastAck = Math.max(...Array.from({ length: 20 }, (_, i) => log.indexOf(`ack ${i}`)));
      expect(log.lastIndexOf('sync-done')).toBeLessThan(lastAck);
    } finally {
      await store.close();
    }
  });

  it('does not make plain reads wait, and sync() waits for what reads may have seen', async () => {
    const file = nextFile();
    const { store } = await openEventStore({ kind: 'sqlite', file });
    try {
      await store.append('r-1', [newEvent()], { expectedVersion: 'no-stream' });
      const spy = traceSyncs([], `${file}-wal`);
      await store.readStream('r-1');
      await store.sync();
      expect(spy).not.toHaveBeenCalled();
    } finally {
      await store.close();
    }
  });

  it('refuses every later write once a sync failed, instead of acknowledging what may be lost', async () => {
    const file = nextFile();
    const { store } = await openEventStore({ kind: 'sqlite', file });
    try {
      await store.append('f-1', [newEvent()], { expectedVersion: 'no-stream' });
      jest.spyOn(fs, 'fdatasync').mockImplementation(((_fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
        const error = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
        setImmediate(() => callback(error));
      }) as typeof fs.fdatasync);
      await expect(store.append('f-2', [newEvent()], { expectedVersion: 'no-stream' })).rejects.toThrow(/could not be synced to disk \(EIO\).*Restart/);
      jest.restoreAllMocks();
      await expect(store.append('f-3', [newEvent()], { expectedVersion: 'no-stream' })).rejects.toThrow(/could not be synced/);
      await expect(store.sync()).rejects.toThrow(/could not be synced/);
    } finally {
      await store.close();
    }
  });

  it('keeps SQLite\'s own behaviour for NORMAL and for memory databases: no syncs of ours', async () => {
    const spy = jest.spyOn(fs, 'fdatasync');
    for (const options of [{ file: nextFile(), synchronous: 'NORMAL' as const }, { file: ':memory:' }]) {
      const { store } = await openEventStore({ kind: 'sqlite', ...options });
      await store.append('n-1', [newEvent()], { expectedVersion: 'no-stream' });
      await store.close();
    }
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('SQLite background checkpoints', () => {
  it('copies the WAL into the database file from a worker, without a checkpoint inside any commit', async () => {
    const file = nextFile();
    const { store } = await openEventStore({ kind: 'sqlite', file });
    try {
      const sizeBefore = fs.statSync(file).size;
      const payload = { text: 'x'.repeat(2000) };
      for (let i = 0; i < 200; i++) await store.append(`k-${i}`, [newEvent({ data: payload })], { expectedVersion: 'no-stream' });
      // 200 commits of ~2 kB stay far below the main connection's safety-net threshold (16,000
      // pages), so only the worker can have copied the pages into the database file.
      for (let waited = 0; fs.statSync(file).size < sizeBefore + 200 * 2000 && waited < 5000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(fs.statSync(file).size).toBeGreaterThanOrEqual(sizeBefore + 200 * 2000);
      expect((await store.readStream('k-199'))[0].data).toEqual(payload);
    } finally {
      await store.close();
    }
  });
});
