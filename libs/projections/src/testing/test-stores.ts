import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { EventStore, EventStoreConfig, OpenedEventStore, openEventStore, quoteIdentifier } from '@kedja/event-store';
import { POSTGRES_TEST_URL, describePostgres, randomSchemaName } from '../../../event-store/src/contract/postgres-test-support';
import type { Projection } from '../projection';
import { ProjectionRunner, type ProjectionRunnerOptions } from '../runner/projection-runner';

export type StoreKind = 'sqlite' | 'postgres';

export interface TestStore {
  readonly kind: StoreKind;
  readonly config: EventStoreConfig;
  open(options?: { applicationName?: string }): Promise<OpenedEventStore>;
  cleanup(): Promise<void>;
}

/** A fresh SQLite file or a fresh PostgreSQL schema per call. */
export function newTestStore(kind: StoreKind): TestStore {
  if (kind === 'sqlite') {
    const directory = mkdtempSync(path.join(tmpdir(), 'kedja-proj-'));
    const config: EventStoreConfig = { kind: 'sqlite', file: path.join(directory, 'store.db'), synchronous: 'NORMAL', pollIntervalMs: 20 };
    return { kind, config, open: () => openEventStore(config), cleanup: async () => rmSync(directory, { recursive: true, force: true }) };
  }
  const schema = randomSchemaName('kedja_proj');
  const config: EventStoreConfig = { kind: 'postgres', connectionString: POSTGRES_TEST_URL, schema, pollIntervalMs: 20 };
  return {
    kind,
    config,
    open: async (options = {}) => {
      if (!options.applicationName) return openEventStore(config);
      const url = new URL(POSTGRES_TEST_URL);
      url.searchParams.set('application_name', options.applicationName);
      return openEventStore({ ...config, connectionString: url.href });
    },
    cleanup: async () => {
      const client = new Client({ connectionString: POSTGRES_TEST_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await client.end();
    },
  };
}

export interface StorePerTest {
  /** The store opened for the running test. */
  opened(): OpenedEventStore;
  /** A runner on that store, stopped after the test. */
  runner(projections: Projection[], options?: ProjectionRunnerOptions): ProjectionRunner;
}

/**
 * For a `describeEachStore` body: a fresh store of `kind` opened before each test; after it, the
 * runners the test made are stopped and the store closed and removed.
 */
export function storePerTest(kind: StoreKind): StorePerTest {
  let fixture: TestStore | undefined;
  let opened: OpenedEventStore | undefined;
  const runners: ProjectionRunner[] = [];
  beforeEach(async () => {
    fixture = newTestStore(kind);
    opened = await fixture.open();
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await opened?.store.close();
    await fixture?.cleanup();
  });
  const current = (): OpenedEventStore => {
    if (!opened) throw new Error('no store is open outside a test');
    return opened;
  };
  return {
    opened: current,
    runner: (projections, options = {}) => {
      const { store, db } = current();
      const runner = new ProjectionRunner(store, db, projections, options);
      runners.push(runner);
      return runner;
    },
  };
}

/** Runs `body` once on a SQLite file and once on PostgreSQL (skipped visibly when unreachable). */
export function describeEachStore(name: string, body: (kind: StoreKind) => void): void {
  describe(`${name} (sqlite file)`, () => body('sqlite'));
  describePostgres(`${name} (postgres)`, () => body('postgres'));
}

export interface AppendedEvent {
  readonly position: string;
  readonly type: string;
  readonly streamId: string;
}

const TYPES = ['SfiEnrolled', 'SfiCoursePassed', 'EmploymentStarted', 'MovedToMunicipality', 'InternshipStarted'];
let counter = 0;

/** Appends `count` events over a few streams and types, in batches of up to 100. */
export async function appendEvents(store: EventStore, count: number, streams = 7): Promise<AppendedEvent[]> {
  const appended: AppendedEvent[] = [];
  const run = ++counter;
  for (let offset = 0; offset < count; offset += 100) {
    const size = Math.min(100, count - offset);
    const streamId = `p-${run}-${(offset / 100) % streams}`;
    const events = Array.from({ length: size }, (_, index) => {
      const n = offset + index;
      return {
        eventId: `e-${run}-${n}-${process.pid}`,
        source: 'urn:test',
        type: TYPES[(n * 7 + run) % TYPES.length],
        eventTime: '2024-01-02T03:04:05.000Z',
        data: { n },
        metadata: { actor: 'test' },
      };
    });
    const result = await store.append(streamId, events, { expectedVersion: 'any' });
    result.outcomes.forEach((outcome, index) => appended.push({ position: outcome.position, type: events[index].type, streamId }));
  }
  return appended;
}

export interface ChildRunner {
  /** Resolves once the child has folded in at least `n` events. */
  appliedAtLeast(n: number, timeoutMs?: number): Promise<number>;
  kill(): Promise<void>;
  readonly exited: Promise<void>;
}

/** Runs the event_counts projection in a separate node process (see runner-child.js). */
export function spawnRunner(config: EventStoreConfig, options: Record<string, unknown>): Promise<ChildRunner> {
  const child = spawn(process.execPath, [path.join(__dirname, 'runner-child.js'), JSON.stringify(config), JSON.stringify(options)], {
    cwd: path.resolve(__dirname, '../../../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let applied = 0;
  let stderr = '';
  let buffer = '';
  const listeners = new Set<() => void>();
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve, reject) => {
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`runner child exited with ${code ?? signal}: ${stderr}`));
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line === 'ready') {
          resolve({
            exited,
            kill: async () => {
              child.kill('SIGKILL');
              await exited;
            },
            appliedAtLeast: (n, timeoutMs = 20_000) =>
              new Promise((done, fail) => {
                const timer = setTimeout(() => fail(new Error(`child applied only ${applied} of ${n} in time: ${stderr}`)), timeoutMs);
                const check = () => {
                  if (applied < n) return;
                  clearTimeout(timer);
                  listeners.delete(check);
                  done(applied);
                };
                listeners.add(check);
                check();
              }),
          });
        } else if (line.startsWith('applied ')) {
          applied = Number(line.slice(8));
          for (const listener of [...listeners]) listener();
        }
      }
    });
  });
}
