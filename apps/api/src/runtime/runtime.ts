import * as fs from 'node:fs';
import { openEventStore, type EventStore, type SqlDatabase } from '@kedja/event-store';
import { PROJECTIONS, ProjectionRunner, ensureProjectionSchema } from '@kedja/projections';
import { FileKeyProvider, PersonalData, migrateIdentifiers } from '@kedja/personal-data';
import type { KedjaConfig } from '../config/config';
import type { ProjectionHealth } from '../health/health.service';

/** What one process holds open: the store, its SQL handle and (embedded mode) the projections. */
export interface KedjaRuntime {
  readonly store: EventStore;
  readonly db: SqlDatabase;
  /** Keyed hashes, data keys and erasure of personal identifiers (master key outside the database). */
  readonly personalData: PersonalData;
  projectionStatus?: () => Promise<ProjectionHealth[]>;
  /** The in-process runner (embedded mode); absent when apps/projector keeps the read models. */
  projections?: ProjectionRunner;
  readonly closers: Array<() => Promise<void>>;
}

export interface RuntimeOptions {
  readonly onMigrationProgress?: (done: number, total: number) => void;
  readonly log?: (line: string) => void;
}

export async function openRuntime(config: KedjaConfig, options: RuntimeOptions = { log: (line) => process.stderr.write(`kedja: ${line}\n`) }): Promise<KedjaRuntime> {
  if (config.store.kind === 'sqlite') fs.mkdirSync(config.dataDir, { recursive: true });
  const { store, db } = await openEventStore(
    config.store.kind === 'sqlite'
      ? { kind: 'sqlite', file: config.store.file, synchronous: config.store.synchronous }
      : { kind: 'postgres', connectionString: config.store.connectionString, schema: config.store.schema },
  );
  // The master key and index secret live in the data directory, never in the database.
  const personalData = await PersonalData.open(db, FileKeyProvider.open(config.dataDir));
  // A database written before identifiers were sealed is converted before anything reads it
  // (resumable; `kedja migrate-identifiers` does the same with a progress bar).
  const migrated = await migrateIdentifiers(personalData, options.onMigrationProgress);
  if (migrated.persons > 0) options.log?.(`identifiers: converted ${migrated.persons} persons (${migrated.hashed} index entries hashed, ${migrated.sealed} values sealed) and compacted the database`);
  const runtime: KedjaRuntime = { store, db, personalData, closers: [] };
  if (config.projectionsInProcess) {
    const runner = new ProjectionRunner(store, db, PROJECTIONS);
    await runner.start();
    runtime.projections = runner;
    runtime.projectionStatus = async () =>
      (await runner.status()).map((s) => ({ name: s.name, applied: s.applied, lag: s.lag, running: s.running }));
    runtime.closers.push(() => runner.stop());
  } else {
    // The projector applies the projections; this runner is never started and only reads their
    // state, so /health and /metrics still report each one's position and lag. Its state table is
    // made here too (as `kedja projections status` does): before any projector has run, /health
    // then reports projections not built yet instead of failing on a missing table.
    await ensureProjectionSchema(db);
    const observer = new ProjectionRunner(store, db, PROJECTIONS, { log: () => undefined });
    runtime.projectionStatus = async () =>
      (await observer.status()).map((s) => ({ name: s.name, applied: s.applied, lag: s.lag, running: s.running }));
  }
  return runtime;
}

export async function closeRuntime(runtime: KedjaRuntime): Promise<void> {
  for (const close of runtime.closers.reverse()) await close();
  await runtime.store.close();
}
