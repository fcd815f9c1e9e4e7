import { Client } from 'pg';
import { appendUntilKilled } from './contract/crash-test';
import { eventStoreContract, newEvent } from './contract/event-store.contract';
import { POSTGRES_TEST_URL, describePostgres, randomSchemaName } from './contract/postgres-test-support';
import { EventStore, StoredEvent } from './event-store.port';
import { openEventStore } from './open-event-store';
import { runMigrations } from './sql/migrations';
import { PostgresDatabase, quoteIdentifier } from './sql/postgres-database';

const schema = randomSchemaName();
const open = (max?: number) => openEventStore({ kind: 'postgres', connectionString: POSTGRES_TEST_URL, schema, max, pollIntervalMs: 20 });

describePostgres('PostgresEventStore', () => {
  afterAll(async () => {
    const client = new Client({ connectionString: POSTGRES_TEST_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await client.end();
  });

  eventStoreContract('postgres', async () => {
    const { store, db } = await open();
    await db.execute('TRUNCATE events, identities');
    return store;
  });

  it('returns BIGINT as decimal text and runs registered migrations once', async () => {
    const db = await PostgresDatabase.open({ connectionString: POSTGRES_TEST_URL, schema });
    try {
      expect(await runMigrations(db, 'projection-y', ['CREATE TABLE y (id BIGINT)', { sqlite: 'unused', postgres: ['INSERT INTO y VALUES (9007199254740993)'] }])).toBe(2);
      expect(await runMigrations(db, 'projection-y', ['CREATE TABLE y (id BIGINT)', { sqlite: 'unused', postgres: 'unused' }])).toBe(2);
      expect(await db.query('SELECT id FROM y')).toEqual([{ id: '9007199254740993' }]);
    } finally {
      await db.close();
    }
  });

  it('loses no acknowledged append when the writing process is killed', async () => {
    const acked = await appendUntilKilled({ kind: 'postgres', connectionString: POSTGRES_TEST_URL, schema }, 'crash-pg', 30);
    const { store } = await open();
    try {
      const events = await store.readStream('crash-pg');
      const stored = new Set(events.map((event) => event.eventId));
      for (const eventId of acked) expect(stored.has(eventId)).toBe(true);
      expect(events.map((event) => event.streamVersion)).toEqual(events.map((_, index) => index + 1));
      await store.append('crash-pg', [newEvent()], { expectedVersion: events.length });
    } finally {
      await store.close();
    }
  }, 30_000);

  it('never lets a reader skip or repeat an event while 8 writers append concurrently', async () => {
    const writers = 8;
    const appendsPerWriter = 60;
    const stores: EventStore[] = [];
    for (let index = 0; index < writers; index++) stores.push((await open(1)).store);
    const reader = (await open(1)).store;
    try {
      const start = await reader.headPosition();
      const acknowledged = new Set<string>();
      let writing = true;
      const seen: StoredEvent[] = [];
      const follow = (async () => {
        let after = start;
        for (;;) {
          const finished = !writing;
          const page = await reader.readAll({ after, limit: 37 });
          seen.push(...page.events);
          after = page.last;
          // One last empty page read after every writer finished: nothing can be missing then.
          if (page.events.length === 0 && finished) return;
        }
      })();
      await Promise.all(
        stores.map(async (store, writer) => {
          for (let round = 0; round < appendsPerWriter; round++) {
            const events = Array.from({ length: 1 + ((writer + round) % 4) }, () => newEvent({ data: { writer, round } }));
            await store.append(`gap-${writer}-${round % 3}`, events, { expectedVersion: 'any' });
            for (const event of events) acknowledged.add(event.eventId);
          }
        }),
      );
      writing = false;
      await follow;

      const positions = seen.map((event) => BigInt(event.position));
      for (let index = 1; index < positions.length; index++) expect(positions[index] > positions[index - 1]).toBe(true);
      const ids = seen.map((event) => event.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(acknowledged.size);
      expect(new Set(ids)).toEqual(acknowledged);
    } finally {
      await Promise.all([...stores, reader].map((store) => store.close()));
    }
  }, 30_000);
});
