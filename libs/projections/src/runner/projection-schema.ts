import { MigrationStep, SqlDatabase, runMigrations } from '@kedja/event-store';

/**
 * One row per projection. The active generation's columns and the rebuild's live side by side so
 * a swap is one UPDATE of one row. `tables` holds the physical names as JSON, so readers never
 * guess them from code that may be a version ahead of what is built. Checkpoints are the store's
 * opaque positions; NULL means "before the first event". `retired_tables` are old generations
 * kept for a grace period after a swap, for readers that looked their names up just before it.
 */
const STATE_MIGRATIONS: readonly MigrationStep[] = [
  [
    `CREATE TABLE projection_state (
       name TEXT PRIMARY KEY,
       generation INTEGER NOT NULL,
       version INTEGER NOT NULL,
       tables TEXT NOT NULL,
       checkpoint TEXT,
       applied BIGINT NOT NULL DEFAULT 0,
       rebuild_generation INTEGER,
       rebuild_version INTEGER,
       rebuild_tables TEXT,
       rebuild_checkpoint TEXT,
       rebuild_applied BIGINT NOT NULL DEFAULT 0,
       rebuild_started_time TEXT,
       rebuild_requested INTEGER NOT NULL DEFAULT 0,
       retired_tables TEXT,
       retired_time TEXT,
       last_error TEXT,
       updated_time TEXT NOT NULL
     )`,
    `CREATE TABLE projection_leases (
       name TEXT PRIMARY KEY,
       holder TEXT NOT NULL,
       expires_at BIGINT NOT NULL
     )`,
  ],
];

export async function ensureProjectionSchema(db: SqlDatabase): Promise<void> {
  await runMigrations(db, 'projections', STATE_MIGRATIONS);
}

export interface StateRow {
  name: string;
  generation: number;
  version: number;
  tables: string;
  checkpoint: string | null;
  applied: number | string;
  rebuild_generation: number | null;
  rebuild_version: number | null;
  rebuild_tables: string | null;
  rebuild_checkpoint: string | null;
  rebuild_applied: number | string;
  rebuild_started_time: string | null;
  rebuild_requested: number;
  retired_tables: string | null;
  retired_time: string | null;
  last_error: string | null;
  updated_time: string;
}

export const STATE_SELECT = 'SELECT * FROM projection_state';
