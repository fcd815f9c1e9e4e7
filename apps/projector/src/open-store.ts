import { ensurePrivateDirectory, openEventStore, type OpenedEventStore } from '@kedja/event-store';
import type { KedjaConfig } from '../../api/src/config/config';

/** Opens the store exactly as the api does, so the projector and the CLI see the same database. */
export async function openStoreFromConfig(config: KedjaConfig): Promise<OpenedEventStore> {
  if (config.store.kind === 'sqlite') ensurePrivateDirectory(config.dataDir);
  return openEventStore(
    config.store.kind === 'sqlite'
      ? { kind: 'sqlite', file: config.store.file, synchronous: config.store.synchronous }
      : { kind: 'postgres', connectionString: config.store.connectionString, schema: config.store.schema },
  );
}
