import type { EventStore, SqlDatabase } from '@kedja/event-store';
import { PROJECTIONS, ProjectionRunner, ensureProjectionSchema } from '@kedja/projections';
import type { KedjaConfig } from '../config/config';
import { openConfiguredStore, type OpenStoreOptions } from './open-store';
import type { ProjectionHealth } from '../health/health.service';

/** What one process holds open: the store, its SQL handle and (embedded mode) the projections. */
export interface KedjaRuntime {
  readonly store: EventStore;
  readonly db: SqlDatabase;
  projectionStatus?: () => Promise<ProjectionHealth[]>;
  /** The in-process runner (embedded mode); absent when apps/projector keeps the read models. */
  projections?: ProjectionRunner;
  readonly closers: Array<() => Promise<void>>;
}

export async function openRuntime(config: KedjaConfig, options: OpenStoreOptions = {}): Promise<KedjaRuntime> {
  const { store, db } = await openConfiguredStore(config, options);
  const runtime: KedjaRuntime = { store, db, closers: [] };
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
