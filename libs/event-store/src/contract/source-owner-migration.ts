import { SourceOwnedError } from '../errors';
import type { EventStore } from '../event-store.port';
import { EVENT_STORE_MIGRATION_NAME, EVENT_STORE_MIGRATIONS } from '../sql/sql-event-store';
import { runMigrations } from '../sql/migrations';
import type { SqlDatabase } from '../sql/sql-database';
import { newEvent } from './event-store.contract';

/**
 * A database made before sources had owners (the schema up to step 4, with events from two
 * actors under one source) migrates to owners taken from each source's first event.
 */
export async function expectSourceOwnersBackfilled(db: SqlDatabase, open: () => Promise<EventStore>): Promise<void> {
  await runMigrations(db, EVENT_STORE_MIGRATION_NAME, EVENT_STORE_MIGRATIONS.slice(0, 4));
  const row = (position: number, source: string, actor: string) => [position, 'old', position, `old-${position}`, source, 'T',
    '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '{}', JSON.stringify({ actor, note: 'x' })];
  for (const values of [row(1, 'urn:old:shared', 'municipality:2281'), row(2, 'urn:old:shared', 'region:22'), row(3, 'urn:old:mv', 'migrationsverket')]) {
    await db.execute(
      `INSERT INTO events (position, stream_id, stream_version, event_id, source, type, event_time, recorded_time, received_time, data, metadata, content_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '')`,
      values,
    );
  }
  const store = await open();
  try {
    const owners = await store.resolveSourceOwners(['urn:old:shared', 'urn:old:mv']);
    expect([...owners.entries()].sort()).toEqual([['urn:old:mv', 'migrationsverket'], ['urn:old:shared', 'municipality:2281']]);
    await expect(store.append('old', [newEvent({ source: 'urn:old:shared', metadata: { actor: 'region:22' } })], { expectedVersion: 3 }))
      .rejects.toBeInstanceOf(SourceOwnedError);
    await store.append('old', [newEvent({ source: 'urn:old:shared', metadata: { actor: 'municipality:2281' } })], { expectedVersion: 3 });
  } finally {
    await store.close();
  }
}
