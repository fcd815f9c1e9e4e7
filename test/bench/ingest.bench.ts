import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { Client } from 'pg';
import { mintLocalToken } from '@kedja/auth';
import { openEventStore, quoteIdentifier, type NewEvent, type OpenedEventStore, type StreamAppend } from '@kedja/event-store';
import { simulate } from '@kedja/simulator';
import { loadConfig } from '../../apps/api/src/config/config';
import { createApp, type KedjaApp } from '../../apps/api/src/bootstrap';
import { registerSuite, type BenchContext } from './harness';
import { postInChild } from './support/post-load';

/**
 * HTTP ingest against the store-only append of the same events, in the same run. The api runs
 * with its projections off (as on PostgreSQL in production, where the projector is its own
 * process), so the figure is the write path alone. The clients run in their own processes, as an
 * agency's integration does: batches through the real `kedja ingest` command, single events
 * through a keep-alive node:http client (`support/post-load.ts`); they share the machine's two
 * cores with the api.
 */
const PERSONS = Number(process.env.KEDJA_BENCH_INGEST_PERSONS ?? 2500);
const SINGLE_EVENTS = 1500;
const POSTGRES_URL = process.env.DATABASE_URL_BENCH ?? process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/kedja_test';
const BATCH = 100;
/** `kedja ingest`'s own default number of requests in flight. */
const LANES = 4;
const STORES = (process.env.KEDJA_BENCH_INGEST_STORES ?? 'sqlite,postgres').split(',').filter(Boolean);
const CLI = path.resolve(__dirname, '../../apps/cli/src/main.js');

/**
 * `kedja ingest FILE` in its own process; resolves with how many events it recorded and how long
 * it took by its own clock (from reading the file to the last answer), which leaves out starting
 * node and loading the CLI (~0.3 s, a tenth of a run of this size, and not HTTP ingest).
 */
function ingestWithCli(file: string, url: string, token: string, concurrency: number): Promise<{ recorded: number; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'ingest', file, '--url', url, '--batch', String(BATCH), '--concurrency', String(concurrency)],
      { env: { ...process.env, KEDJA_TOKEN: token }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const recorded = /^recorded\s+(\d+)/m.exec(stdout);
        const elapsed = /^elapsed\s+([\d.]+) s/m.exec(stdout);
        if (error || !recorded || !elapsed) return reject(new Error(`kedja ingest failed: ${error?.message ?? ''}\n${stdout}\n${stderr}`));
        resolve({ recorded: Number(recorded[1]), elapsedMs: Number(elapsed[1]) * 1000 });
      });
  });
}

interface Target {
  readonly kind: 'sqlite' | 'postgres';
  readonly env: () => Record<string, string>;
  readonly cleanup: () => Promise<void>;
}

function target(kind: 'sqlite' | 'postgres'): Target {
  const schemas: string[] = [];
  return {
    kind,
    env: (): Record<string, string> => {
      if (kind === 'sqlite') return { KEDJA_STORE: 'sqlite' };
      const schema = `kedja_bench_${Date.now().toString(36)}_${schemas.length}`;
      schemas.push(schema);
      return { KEDJA_STORE: 'postgres', DATABASE_URL: POSTGRES_URL, KEDJA_PG_SCHEMA: schema };
    },
    async cleanup() {
      if (schemas.length === 0) return;
      const client = new Client({ connectionString: POSTGRES_URL });
      await client.connect();
      for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await client.end();
    },
  };
}

async function startApi(t: Target): Promise<{ kedja: KedjaApp; url: string; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-bench-'));
  const config = loadConfig({ KEDJA_DATA_DIR: dataDir, KEDJA_LOG_REQUESTS: 'false', KEDJA_PROJECTIONS_IN_PROCESS: 'false', ...t.env() });
  const kedja = await createApp(config, { logger: false });
  await kedja.app.listen(0, '127.0.0.1');
  const address = kedja.app.getHttpServer().address() as { port: number };
  return { kedja, url: `http://127.0.0.1:${address.port}`, dataDir };
}

async function stopApi(api: { kedja: KedjaApp; dataDir: string } | undefined): Promise<void> {
  if (!api) return;
  await api.kedja.close();
  fs.rmSync(api.dataDir, { recursive: true, force: true });
}

/** The stored events, grouped the way the api appended them: per batch of 100, per person. */
async function storedBatches(opened: OpenedEventStore): Promise<StreamAppend[][]> {
  const batches: StreamAppend[][] = [];
  let after: string | null = null;
  for (;;) {
    const page = await opened.store.readAll({ after, limit: BATCH });
    if (page.events.length === 0) break;
    after = page.last;
    const byStream = new Map<string, NewEvent[]>();
    for (const e of page.events) {
      const list = byStream.get(e.streamId) ?? [];
      list.push({ eventId: e.eventId, source: e.source, type: e.type, eventTime: e.eventTime, recordedTime: e.recordedTime, data: e.data, metadata: e.metadata });
      byStream.set(e.streamId, list);
    }
    batches.push([...byStream].map(([streamId, events]) => ({ streamId, events, options: { expectedVersion: 'any' } })));
  }
  return batches;
}

async function run(context: BenchContext, t: Target): Promise<void> {
  const lines = [...simulate({ persons: PERSONS, seed: 42 })].map((event) => JSON.stringify(event));
  context.log(`${t.kind}: ${lines.length} simulated events from ${PERSONS} persons`);
  const feedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-bench-feed-'));
  const feed = path.join(feedDir, 'feed.ndjson');
  fs.writeFileSync(feed, lines.map((l) => `${l}\n`).join(''));
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  let token = '';
  let sample: StreamAppend[][] = [];
  let storeOnly: OpenedEventStore | undefined;
  const freshStore = async () => {
    await storeOnly?.store.close();
    const env = t.env();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-bench-store-'));
    storeOnly = await openEventStore(t.kind === 'sqlite'
      ? { kind: 'sqlite', file: path.join(dir, 'store.sqlite'), synchronous: 'FULL' }
      : { kind: 'postgres', connectionString: POSTGRES_URL, schema: env.KEDJA_PG_SCHEMA });
  };
  try {
    await context.compare(
      `${t.kind} http batch ×${BATCH}`,
      {
        events: lines.length,
        prepare: async () => {
          await stopApi(api);
          api = await startApi(t);
          token = await mintLocalToken(api.dataDir, { actor: 'platform', roles: ['admin'], sub: 'bench' });
        },
        run: async () => {
          const started = Date.now();
          const { recorded, elapsedMs } = await ingestWithCli(feed, api!.url, token, LANES);
          if (recorded !== lines.length) throw new Error(`ingest recorded ${recorded} of ${lines.length}`);
          const wallMs = Date.now() - started;
          context.log(`${t.kind} kedja ingest: ${(elapsedMs / 1000).toFixed(2)} s by its own clock, ${(wallMs / 1000).toFixed(2)} s with the process start (${Math.round(lines.length / (wallMs / 1000))} events/s)`);
          return { seconds: elapsedMs / 1000 };
        },
      },
      {
        events: lines.length,
        prepare: async () => {
          if (sample.length === 0) sample = await storedBatches({ store: api!.kedja.runtime.store, db: api!.kedja.runtime.db });
          await freshStore();
        },
        run: async () => {
          for (const batch of sample) await storeOnly!.store.appendMany(batch);
        },
      },
      0.6,
    );

    const singles = Array.from({ length: SINGLE_EVENTS }, (_, i) => ({
      specversion: '1.0', id: `single-${i}`, source: 'urn:se:migrationsverket:case', type: 'MigrationCaseOpened',
      time: '2024-01-15T10:00:00Z', subject: `dossier:${String(70_000_000 + i).replace(/^(\d{2})/, '$1-')}`,
      data: { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR' },
    }));
    // Warm-up posts for a fresh api (other dossier numbers), untimed: a server answers warm, and
    // 1,500 posts are too few to hide the JIT's start.
    const warmUp = Array.from({ length: 500 }, (_, i) => JSON.stringify({
      ...singles[0], id: `warm-up-${i}`, subject: `dossier:${String(60_000_000 + i).replace(/^(\d{2})/, '$1-')}`,
    }));
    let mvToken = '';
    await context.compare(
      `${t.kind} http single events`,
      {
        events: singles.length,
        prepare: async () => {
          await stopApi(api);
          api = await startApi(t);
          mvToken = await mintLocalToken(api.dataDir, { actor: 'migrationsverket', roles: ['integration'], sub: 'bench' });
          const warm = await postInChild({ url: api.url, token: mvToken, bodies: warmUp, concurrency: 8, contentType: 'application/cloudevents+json' });
          if (warm.statuses['201'] !== warmUp.length) throw new Error(`warm-up posts answered ${JSON.stringify(warm.statuses)}`);
        },
        run: async () => {
          const bodies = singles.map((event) => JSON.stringify(event));
          const load = await postInChild({ url: api!.url, token: mvToken, bodies, concurrency: 8, contentType: 'application/cloudevents+json' });
          if (load.statuses['201'] !== singles.length) throw new Error(`single posts answered ${JSON.stringify(load.statuses)}`);
          const sorted = load.latenciesMs.sort((a, b) => a - b);
          const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
          context.log(`${t.kind} single posts: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
          // The client's own clock, from its first post to its last answer (not its process start).
          return { seconds: load.elapsedMs / 1000 };
        },
      },
      {
        events: singles.length,
        prepare: freshStore,
        run: async () => {
          for (const [i, event] of singles.entries()) {
            await storeOnly!.store.append(`single-${i}`, [{ eventId: event.id, source: event.source, type: event.type, eventTime: event.time, data: event.data, metadata: { actor: 'migrationsverket' } }], { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: event.subject.slice(8) }] });
          }
        },
      },
    );
  } finally {
    await stopApi(api);
    await storeOnly?.store.close();
    await t.cleanup();
    fs.rmSync(feedDir, { recursive: true, force: true });
  }
}

registerSuite({
  name: 'ingest',
  description: 'POST /v1/events over HTTP (batches of 100 of simulated events, and single events) against the store-only append of the same events',
  async run(context) {
    for (const kind of ['sqlite', 'postgres'] as const) if (STORES.includes(kind)) await run(context, target(kind));
  },
});
