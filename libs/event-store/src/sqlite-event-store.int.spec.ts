import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendUntilKilled } from './contract/crash-test';
import { eventStoreContract, newEvent } from './contract/event-store.contract';
import { expectSourceOwnersBackfilled } from './contract/source-owner-migration';
import { openEventStore } from './open-event-store';
import { runMigrations } from './sql/migrations';
import { SqliteDatabase } from './sql/sqlite-database';

const directory = mkdtempSync(path.join(tmpdir(), 'kedja-es-'));
let files = 0;
const nextFile = () => path.join(directory, `store-${++files}.db`);

afterAll(() => rmSync(directory, { recursive: true, force: true }));

eventStoreContract('sqlite :memory:', async () => (await openEventStore({ kind: 'sqlite', file: ':memory:', pollIntervalMs: 20 })).store);
eventStoreContract('sqlite file', async () => (await openEventStore({ kind: 'sqlite', file: nextFile(), pollIntervalMs: 20 })).store);

describe('SqliteEventStore', () => {
  it('loses no acknowledged append when the writing process is killed', async () => {
    const file = nextFile();
    const acked = await appendUntilKilled({ kind: 'sqlite', file }, 'crash-1', 30);
    const { store } = await openEventStore({ kind: 'sqlite', file });
    try {
      const events = await store.readStream('crash-1');
      const stored = new Set(events.map((event) => event.eventId));
      for (const eventId of acked) expect(stored.has(eventId)).toBe(true);
      expect(events.map((event) => event.streamVersion)).toEqual(events.map((_, index) => index + 1));
      await store.append('crash-1', [newEvent()], { expectedVersion: events.length });
    } finally {
      await store.close();
    }
  }, 30_000);

  it('keeps what was committed when a connection is dropped without closing, and sees other processes’ appends', async () => {
    const file = nextFile();
    const first = await openEventStore({ kind: 'sqlite', file, pollIntervalMs: 20 });
    const second = await openEventStore({ kind: 'sqlite', file, pollIntervalMs: 20 });
    await first.store.append('s-1', [newEvent(), newEvent()], { expectedVersion: 'no-stream' });
    const seen: string[] = [];
    const subscription = second.store.subscribeAll({ after: null, handler: async (events) => void seen.push(...events.map((e) => e.eventId)) });
    await subscription.caughtUp();
    expect(seen).toHaveLength(2);
    await first.store.append('s-1', [newEvent()], { expectedVersion: 2 });
    // Picked up by polling: the appending store is another connection.
    const deadline = Date.now() + 5000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toHaveLength(3);
    await subscription.stop();
    await second.store.close();
    // `first` is never closed: its process "dies" here.
    const reopened = await openEventStore({ kind: 'sqlite', file });
    expect(await reopened.store.readStream('s-1')).toHaveLength(3);
    await reopened.store.close();
  });

  it('serialises concurrent transactions on the one connection', async () => {
    const db = new SqliteDatabase({ file: ':memory:' });
    await db.execute('CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
    await db.execute('INSERT INTO counter (id, n) VALUES (1, 0)');
    const bump = () =>
      db.transaction(async (tx) => {
        const [row] = await tx.query<{ n: number }>('SELECT n FROM counter WHERE id = $1', [1]);
        await new Promise((resolve) => setTimeout(resolve, 1));
        await tx.execute('UPDATE counter SET n = $1 WHERE id = $2', [row.n + 1, 1]);
      });
    const failing = db.transaction(async (tx) => {
      await tx.execute('UPDATE counter SET n = n + 1000 WHERE id = $1', [1]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('rolled back');
    });
    // A plain read issued while that transaction is open must not see its uncommitted write.
    const outside = db.query<{ n: number }>('SELECT n FROM counter WHERE id = $1', [1]);
    await Promise.all([...Array.from({ length: 20 }, bump), failing.catch(() => undefined)]);
    expect((await outside)[0].n).toBe(0);
    expect((await db.query<{ n: number }>('SELECT n FROM counter'))[0].n).toBe(20);
    await db.close();
  });

  it('maps $n placeholders, repeated and out of order, and leaves quoted text alone', async () => {
    const db = new SqliteDatabase({ file: ':memory:' });
    const [row] = await db.query<{ a: number; b: string; c: number; d: string }>("SELECT $2 AS a, $1 AS b, $2 AS c, '$1' AS d", ['x', 7]);
    expect(row).toEqual({ a: 7, b: 'x', c: 7, d: '$1' });
    await db.close();
  });

  it('gives the sources of a database made before source owners to the actor of each one\'s first event', async () => {
    const file = nextFile();
    const db = new SqliteDatabase({ file });
    try {
      await expectSourceOwnersBackfilled(db, async () => (await openEventStore({ kind: 'sqlite', file })).store);
    } finally {
      await db.close();
    }
  });

  it('applies registered migrations once, in order, per name', async () => {
    const db = new SqliteDatabase({ file: ':memory:' });
    const steps = ['CREATE TABLE p1 (id INTEGER)', { sqlite: ['CREATE TABLE p2 (id INTEGER)', 'INSERT INTO p2 VALUES (1)'], postgres: 'unused' }];
    expect(await runMigrations(db, 'projection-x', steps)).toBe(2);
    expect(await runMigrations(db, 'projection-x', steps)).toBe(2);
    expect(await runMigrations(db, 'projection-x', [...steps, 'INSERT INTO p2 VALUES (2)'])).toBe(3);
    expect(await db.query('SELECT id FROM p2 ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    await db.close();
  });
});
