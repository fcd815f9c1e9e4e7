import * as fs from 'node:fs';
import { openEventStore, type EventStore, type SqlDatabase } from '@kedja/event-store';
import type { KedjaConfig } from '../config/config';
import type { ProjectionHealth } from '../health/health.service';

/** What one process holds open: the store, its SQL handle and (embedded mode) the projections. */
export interface KedjaRuntime {
  readonly store: EventStore;
  readonly db: SqlDatabase;
  projectionStatus?: () => Promise<ProjectionHealth[]>;
  readonly closers: Array<() => Promise<void>>;
}

export async function openRuntime(config: KedjaConfig): Promise<KedjaRuntime> {
  if (config.store.kind === 'sqlite') fs.mkdirSync(config.dataDir, { recursive: true });
  const { store, db } = await openEventStore(
    config.store.kind === 'sqlite'
      ? { kind: 'sqlite', file: config.store.file, synchronous: config.store.synchronous }
      : { kind: 'postgres', connectionString: config.store.connectionString, schema: config.store.schema },
  );
  return { store, db, closers: [] };
}

export async function closeRuntime(runtime: KedjaRuntime): Promise<void> {
  for (const close of runtime.closers.reverse()) await close();
  await runtime.store.close();
}
