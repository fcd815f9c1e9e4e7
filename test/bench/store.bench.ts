import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EventStore, NewEvent, PostgresDatabase, openEventStore, quoteIdentifier } from '@kedja/event-store';
import { BenchContext, registerSuite } from './harness';

const BATCH_EVENTS = 20_000;
const BATCH_SIZE = 100;
const SINGLE_EVENTS = { sqlite: 1_000, postgres: 1_000 };
const STREAMS = 50;
const PAGE = 1_000;
const APPEND_TARGET = 0.8;
const READ_TARGET = 0.7;

const POSTGRES_URL = process.env.DATABASE_URL_BENCH ?? process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/kedja_test';

const COLUMNS = 'position, stream_id, stream_version, event_id, source, type, event_time, recorded_time, received_time, data, metadata';

/** The same columns and indexes as the store's table, so index upkeep costs both the same. */
function baselineDdl(positionType: string): string[] {
  return [
    `CREATE TABLE baseline_events (position ${positionType} PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL,
       event_id TEXT NOT NULL, source TEXT NOT NULL, type TEXT NOT NULL, event_time TEXT NOT NULL, recorded_time TEXT NOT NULL,
       received_time TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, content_hash TEXT NOT NULL)`,
    'CREATE UNIQUE INDEX baseline_stream_version ON baseline_events (stream_id, stream_version)',
    'CREATE UNIQUE INDEX baseline_source_event_id ON baseline_events (source, event_id)',
  ];
}

let eventCounter = 0;

/** A realistic event: about 400 bytes of data. */
function makeEvent(): NewEvent {
  eventCounter++;
  return {
    eventId: `bench-${eventCounter}-${process.pid}`,
    source: 'urn:kedja:bench/migrationsverket',
    type: 'MunicipalityPlacementDecided',
    eventTime: '2026-01-02T03:04:05.678Z',
    data: {
      personId: `p-${eventCounter % 5000}`,
      municipalityCode: '0180',
      countyCode: '01',
      decidedBy: 'handläggare 42',
      reason: 'anvisning enligt bosättningslagen',
      household: { adults: 2, children: 3, ages: [34, 31, 9, 6, 2] },
      note: 'Placering beslutad efter samråd med kommunen; boende ordnat från och med månadsskiftet.',
      languages: ['ar', 'sv'],
    },
    metadata: { actor: 'MIGRATIONSVERKET', postedBy: 'bench', correlationId: `corr-${eventCounter}` },
  };
}

interface Row {
  streamId: string;
  version: number;
  event: NewEvent;
}

/** The batches the store appends, with the stream and version each row would get. */
function makeBatches(total: number, size: number): Row[][] {
  const versions = new Map<string, number>();
  const batches: Row[][] = [];
  for (let start = 0; start < total; start += size) {
    const streamId = `bench-stream-${batches.length % STREAMS}`;
    const batch: Row[] = [];
    for (let index = 0; index < Math.min(size, total - start); index++) {
      const version = (versions.get(streamId) ?? 0) + 1;
      versions.set(streamId, version);
      batch.push({ streamId, version, event: makeEvent() });
    }
    batches.push(batch);
  }
  return batches;
}

/** The store's append, as any caller would drive it: one append per batch. */
async function appendAll(store: EventStore, batches: readonly Row[][]): Promise<void> {
  for (const batch of batches) {
    await store.append(
      batch[0].streamId,
      batch.map((row) => row.event),
      { expectedVersion: 'any' },
    );
  }
}

function baselineValues(rows: readonly Row[], firstPosition: number, now: string): unknown[] {
  const values: unknown[] = [];
  rows.forEach((row, index) => {
    const { event } = row;
    values.push(
      firstPosition + index,
      row.streamId,
      row.version,
      event.eventId,
      event.source,
      event.type,
      event.eventTime,
      now,
      now,
      JSON.stringify(event.data),
      JSON.stringify(event.metadata),
      '',
    );
  });
  return values;
}

function placeholders(rows: number, dialect: 'sqlite' | 'postgres'): string {
  const groups: string[] = [];
  for (let row = 0; row < rows; row++) {
    const cells = Array.from({ length: 12 }, (_, column) => (dialect === 'sqlite' ? '?' : `$${row * 12 + column + 1}`));
    groups.push(`(${cells.join(', ')})`);
  }
  return groups.join(', ');
}

const INSERT_BASELINE = `INSERT INTO baseline_events (${COLUMNS}, content_hash) VALUES `;
const READ_ALL = (table: string) => `SELECT ${COLUMNS} FROM ${table} WHERE position > $1 ORDER BY position LIMIT ${PAGE}`;
const READ_STREAM = (table: string) => `SELECT ${COLUMNS} FROM ${table} WHERE stream_id = $1 ORDER BY stream_version`;

/**
 * What any caller of the bare driver must do before it can use a row: the store hands back data
 * and metadata as objects, so the read baselines parse the same two JSON columns. Without this the
 * comparison would be of JSON.parse, not of the store.
 */
function decodeJson(rows: ReadonlyArray<{ data: string; metadata: string }>): unknown[] {
  return rows.map((row) => [JSON.parse(row.data), JSON.parse(row.metadata)]);
}

async function readAllThroughStore(store: EventStore, expected: number): Promise<void> {
  let after: string | null = null;
  let count = 0;
  for (;;) {
    const page = await store.readAll({ after, limit: PAGE });
    if (page.events.length === 0) break;
    count += page.events.length;
    after = page.last;
  }
  if (count !== expected) throw new Error(`read ${count} events, expected ${expected}`);
}

async function readStreamsThroughStore(store: EventStore, expected: number): Promise<void> {
  let count = 0;
  for (let stream = 0; stream < STREAMS; stream++) count += (await store.readStream(`bench-stream-${stream}`)).length;
  if (count !== expected) throw new Error(`read ${count} events, expected ${expected}`);
}

async function sqliteCases(context: BenchContext): Promise<void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'kedja-bench-'));
  let files = 0;
  let store: EventStore | undefined;
  let bare: BetterSqlite3.Database | undefined;
  let storeFile = '';
  const freshStore = async () => {
    await store?.close();
    storeFile = path.join(directory, `store-${++files}.db`);
    store = (await openEventStore({ kind: 'sqlite', file: storeFile })).store;
  };
  const freshBaseline = () => {
    bare?.close();
    // Same pragmas as the store's connection: WAL, synchronous FULL.
    bare = new BetterSqlite3(path.join(directory, `baseline-${++files}.db`));
    bare.pragma('journal_mode = WAL');
    bare.pragma('synchronous = FULL');
    for (const sql of baselineDdl('INTEGER')) bare.exec(sql);
  };
  try {
    let batches = makeBatches(BATCH_EVENTS, BATCH_SIZE);
    await context.compare(
      'sqlite: append, batches of 100',
      {
        events: BATCH_EVENTS,
        prepare: async () => {
          await freshStore();
          batches = makeBatches(BATCH_EVENTS, BATCH_SIZE);
        },
        run: () => appendAll(store!, batches),
      },
      {
        events: BATCH_EVENTS,
        prepare: async () => freshBaseline(),
        run: async () => {
          const insert = bare!.prepare(INSERT_BASELINE + placeholders(BATCH_SIZE, 'sqlite'));
          let position = 1;
          for (const batch of batches) {
            insert.run(...baselineValues(batch, position, new Date().toISOString()));
            position += batch.length;
          }
        },
      },
      APPEND_TARGET,
    );

    // Both read the store's own table: the baseline is the bare driver doing the same SELECTs.
    const reader = new BetterSqlite3(storeFile, { readonly: true });
    const readAllBare = reader.prepare(READ_ALL('events').replace('$1', '?'));
    const readStreamBare = reader.prepare(READ_STREAM('events').replace('$1', '?'));
    await context.compare(
      'sqlite: read global log, pages of 1000',
      { events: BATCH_EVENTS, run: () => readAllThroughStore(store!, BATCH_EVENTS) },
      {
        events: BATCH_EVENTS,
        run: async () => {
          let after = 0;
          for (;;) {
            const rows = readAllBare.all(after) as Array<{ position: number; data: string; metadata: string }>;
            if (rows.length === 0) break;
            decodeJson(rows);
            after = rows[rows.length - 1].position;
          }
        },
      },
      READ_TARGET,
    );
    await context.compare(
      'sqlite: read streams (50 × 400)',
      { events: BATCH_EVENTS, run: () => readStreamsThroughStore(store!, BATCH_EVENTS) },
      {
        events: BATCH_EVENTS,
        run: async () => {
          for (let stream = 0; stream < STREAMS; stream++) decodeJson(readStreamBare.all(`bench-stream-${stream}`) as Array<{ data: string; metadata: string }>);
        },
      },
    );
    reader.close();

    const singles = SINGLE_EVENTS.sqlite;
    let singleBatches = makeBatches(singles, 1);
    await context.compare(
      'sqlite: append, single events (synchronous=FULL)',
      {
        events: singles,
        prepare: async () => {
          await freshStore();
          singleBatches = makeBatches(singles, 1);
        },
        run: () => appendAll(store!, singleBatches),
      },
      {
        events: singles,
        prepare: async () => freshBaseline(),
        run: async () => {
          const insert = bare!.prepare(INSERT_BASELINE + placeholders(1, 'sqlite'));
          singleBatches.forEach((batch, index) => insert.run(...baselineValues(batch, index + 1, new Date().toISOString())));
        },
      },
    );
  } finally {
    await store?.close();
    bare?.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

async function postgresCases(context: BenchContext): Promise<void> {
  const schema = `kedja_bench_${process.pid}_${Date.now()}`;
  let db: PostgresDatabase;
  try {
    db = await PostgresDatabase.open({ connectionString: POSTGRES_URL, schema, max: 2 });
    await db.query('SELECT 1');
  } catch (error) {
    context.log(`SKIPPED postgres cases: ${POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')} unreachable (${(error as Error).message})`);
    return;
  }
  await db.close();
  const { store, db: storeDb } = await openEventStore({ kind: 'postgres', connectionString: POSTGRES_URL, schema, max: 2 });
  const bare = new Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  await bare.connect();
  try {
    for (const sql of baselineDdl('BIGINT')) await bare.query(sql);
    let batches = makeBatches(BATCH_EVENTS, BATCH_SIZE);
    const insertSql = INSERT_BASELINE + placeholders(BATCH_SIZE, 'postgres');
    await context.compare(
      'postgres: append, batches of 100',
      {
        events: BATCH_EVENTS,
        prepare: async () => {
          await storeDb.execute('TRUNCATE events, identities, source_owners');
          await storeDb.execute('VACUUM ANALYZE events');
          batches = makeBatches(BATCH_EVENTS, BATCH_SIZE);
        },
        run: () => appendAll(store, batches),
      },
      {
        events: BATCH_EVENTS,
        prepare: async () => {
          await bare.query('TRUNCATE baseline_events');
          await bare.query('VACUUM ANALYZE baseline_events');
        },
        run: async () => {
          let position = 1;
          for (const batch of batches) {
            await bare.query(insertSql, baselineValues(batch, position, new Date().toISOString()));
            position += batch.length;
          }
        },
      },
      APPEND_TARGET,
    );

    await storeDb.execute('VACUUM ANALYZE events');
    await context.compare(
      'postgres: read global log, pages of 1000',
      { events: BATCH_EVENTS, run: () => readAllThroughStore(store, BATCH_EVENTS) },
      {
        events: BATCH_EVENTS,
        run: async () => {
          let after = '0';
          for (;;) {
            const { rows } = await bare.query<{ position: string; data: string; metadata: string }>(READ_ALL('events'), [after]);
            if (rows.length === 0) break;
            decodeJson(rows);
            after = rows[rows.length - 1].position;
          }
        },
      },
      READ_TARGET,
    );
    await context.compare(
      'postgres: read streams (50 × 400)',
      { events: BATCH_EVENTS, run: () => readStreamsThroughStore(store, BATCH_EVENTS) },
      {
        events: BATCH_EVENTS,
        run: async () => {
          for (let stream = 0; stream < STREAMS; stream++) {
            decodeJson((await bare.query<{ data: string; metadata: string }>(READ_STREAM('events'), [`bench-stream-${stream}`])).rows);
          }
        },
      },
    );

    const singles = SINGLE_EVENTS.postgres;
    let singleBatches = makeBatches(singles, 1);
    const insertOne = INSERT_BASELINE + placeholders(1, 'postgres');
    await context.compare(
      'postgres: append, single events',
      {
        events: singles,
        prepare: async () => {
          await storeDb.execute('TRUNCATE events, identities, source_owners');
          singleBatches = makeBatches(singles, 1);
        },
        run: () => appendAll(store, singleBatches),
      },
      {
        events: singles,
        prepare: async () => void (await bare.query('TRUNCATE baseline_events')),
        run: async () => {
          let position = 1;
          for (const batch of singleBatches) await bare.query(insertOne, baselineValues(batch, position++, new Date().toISOString()));
        },
      },
    );
  } finally {
    await bare.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`).catch(() => undefined);
    await bare.end();
    await store.close();
  }
}

registerSuite({
  name: 'store',
  description: 'Event store append and read throughput against the bare drivers, SQLite (file) and PostgreSQL',
  async run(context) {
    await sqliteCases(context);
    await postgresCases(context);
  },
});
