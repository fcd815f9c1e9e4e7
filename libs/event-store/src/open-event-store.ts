import { EventStore } from './event-store.port';
import { PostgresEventStore } from './postgres-event-store';
import { PostgresDatabase } from './sql/postgres-database';
import { SqlDatabase } from './sql/sql-database';
import { SqliteDatabase, SqliteSynchronous } from './sql/sqlite-database';
import { SqliteEventStore } from './sqlite-event-store';

export type EventStoreConfig =
  | {
      readonly kind: 'sqlite';
      readonly file: string;
      readonly synchronous?: SqliteSynchronous;
      readonly pollIntervalMs?: number;
    }
  | {
      readonly kind: 'postgres';
      readonly connectionString: string;
      readonly schema?: string;
      /** Pool size. */
      readonly max?: number;
      readonly pollIntervalMs?: number;
    };

export interface OpenedEventStore {
  readonly store: EventStore;
  /** The same connection (SQLite) or pool (PostgreSQL) as the store's, for read models. */
  readonly db: SqlDatabase;
}

/** Opens the database, applies the event store's migrations and returns both. `store.close()` also closes `db`. */
export async function openEventStore(config: EventStoreConfig): Promise<OpenedEventStore> {
  if (config.kind === 'sqlite') {
    const db = new SqliteDatabase({ file: config.file, synchronous: config.synchronous });
    try {
      const store = await SqliteEventStore.create(db, { pollIntervalMs: config.pollIntervalMs, ownsDatabase: true });
      return { store, db };
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  const db = await PostgresDatabase.open({ connectionString: config.connectionString, schema: config.schema, max: config.max });
  try {
    const store = await PostgresEventStore.create(db, { pollIntervalMs: config.pollIntervalMs, ownsDatabase: true });
    return { store, db };
  } catch (error) {
    await db.close();
    throw error;
  }
}
