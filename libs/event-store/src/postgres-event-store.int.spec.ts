import { Client } from 'pg';
import { appendUntilKilled } from './contract/crash-test';
import { eventStoreContract, newEvent } from './contract/event-store.contract';
import { POSTGRES_TEST_URL, describePostgres, randomSchemaName } from './contract/postgres-test-support';
import { EventStore, StoredEvent } from './event-store.port';
import { expectSourceOwnersBackfilled } from './contract/source-owner-migration';
import { openEventStore } from './open-event-store';
import { runMigrations } from './sql/migrations';
import { binaryInt4Array, binaryTextArray } from './sql/postgres-binary-array';
import { PostgresDatabase, quoteIdentifier } from './sql/postgres-database';
import { EVENT_STORE_MIGRATION_NAME, EVENT_STORE_MIGRATIONS } from './sql/sql-event-store';

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
    await db.execute('TRUNCATE events, identities, source_owners');
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

  it('sends binary text[] and int4[] parameters that the server reads back unchanged, refusing NUL as text does', async () => {
    const client = new Client({ connectionString: POSTGRES_TEST_URL });
    await client.connect();
    try {
      const texts = ['', 'NULL', '{a,b}', '"q" \\ \\u0000', 'Åsa 😀 𝄞', ' x '];
      const { rows } = await client.query('SELECT $1::text[] AS t, $2::int[] AS i, $3::text[] AS e', [
        binaryTextArray(texts),
        binaryInt4Array([1, -2, 2_147_483_647]),
        binaryTextArray([]),
      ]);
      expect(rows).toEqual([{ t: texts, i: [1, -2, 2_147_483_647], e: [] }]);
      const binary = await client.query('SELECT $1::text[] AS t', [binaryTextArray(['a\u0000b'])]).catch((caught) => caught);
      const text = await client.query('SELECT $1::text[] AS t', [['a\u0000b']]).catch((caught) => caught);
      expect(binary).toMatchObject({ code: '22021' });
      expect(text).toMatchObject({ code: '22021' });
    } finally {
      await client.end();
    }
  });

  it('gives the sources of a database made before source owners to the actor of each one\'s first event', async () => {
    const oldSchema = randomSchemaName();
    const db = await PostgresDatabase.open({ connectionString: POSTGRES_TEST_URL, schema: oldSchema });
    try {
      await expectSourceOwnersBackfilled(db, async () => (await openEventStore({ kind: 'postgres', connectionString: POSTGRES_TEST_URL, schema: oldSchema })).store);
    } finally {
      await db.execute(`DROP SCHEMA IF EXISTS ${quoteIdentifier(oldSchema)} CASCADE`);
      await db.close();
    }
  });

  it('migrates a database whose kedja_append still takes the events as JSON', async () => {
    const oldSchema = randomSchemaName();
    const db = await PostgresDatabase.open({ connectionString: POSTGRES_TEST_URL, schema: oldSchema });
    try {
      // The state after step 3: the step 1 tables, and kedja_append with its old signature (the
      // body does not matter here; it only has to be replaced).
      await runMigrations(db, EVENT_STORE_MIGRATION_NAME, EVENT_STORE_MIGRATIONS.slice(0, 1));
      await db.execute(`CREATE FUNCTION kedja_append(p_now text, p_streams text[], p_expected int[], p_counts int[], p_events text,
        p_claim_append int[], p_claim_kinds text[], p_claim_values text[]) RETURNS bigint[] LANGUAGE sql AS 'SELECT NULL::bigint[]'`);
      await db.execute(`INSERT INTO schema_migrations (name, version, applied_time) VALUES ($1, 2, 'x'), ($1, 3, 'x')`, [EVENT_STORE_MIGRATION_NAME]);
      const { store } = await openEventStore({ kind: 'postgres', connectionString: POSTGRES_TEST_URL, schema: oldSchema });
      try {
        const result = await store.append('migrated', [newEvent(), newEvent()], { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: 'MIG' }] });
        expect(result.outcomes.map((outcome) => [outcome.position, outcome.streamVersion])).toEqual([
          ['1', 1],
          ['2', 2],
        ]);
        expect(await store.resolveIdentity('dossier', 'MIG')).toBe('migrated');
      } finally {
        await store.close();
      }
      const functions = await db.query<{ args: string }>(
        `SELECT pg_get_function_identity_arguments(p.oid) AS args FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE p.proname = 'kedja_append' AND n.nspname = $1`,
        [oldSchema],
      );
      expect(functions).toHaveLength(1);
      expect(functions[0].args).toContain('p_event_ids text[]');
      expect(await db.query('SELECT max(version) AS v FROM schema_migrations WHERE name = $1', [EVENT_STORE_MIGRATION_NAME])).toEqual([
        { v: EVENT_STORE_MIGRATIONS.length },
      ]);
    } finally {
      await db.execute(`DROP SCHEMA IF EXISTS ${quoteIdentifier(oldSchema)} CASCADE`);
      await db.close();
    }
  });

  it('keeps reading the head and stream versions through the indexes after planning on an empty table', async () => {
    const emptySchema = randomSchemaName();
    const { store, db } = await openEventStore({ kind: 'postgres', connectionString: POSTGRES_TEST_URL, schema: emptySchema, max: 1 });
    const seqScans = async () => {
      // Flushed when the store's one connection goes idle after this statement.
      await db.query('SELECT pg_stat_force_next_flush()');
      const rows = await db.query<{ n: string }>(
        `SELECT seq_scan AS n FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'events'`,
        [emptySchema],
      );
      return Number(rows[0].n);
    };
    try {
      // An empty table the statistics know to be empty: the plans made now are kept.
      await db.execute('VACUUM ANALYZE events');
      await store.append('plan-0', [newEvent()], { expectedVersion: 'no-stream' });
      for (let index = 0; index < 40; index++) await store.append(`plan-${index % 4}`, [newEvent(), newEvent()], { expectedVersion: 'any' });
      const before = await seqScans();
      for (let index = 0; index < 20; index++) await store.append(`plan-${index % 4}`, [newEvent()], { expectedVersion: 'any' });
      expect((await seqScans()) - before).toBe(0);
    } finally {
      await db.execute(`DROP SCHEMA IF EXISTS ${quoteIdentifier(emptySchema)} CASCADE`);
      await store.close();
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
