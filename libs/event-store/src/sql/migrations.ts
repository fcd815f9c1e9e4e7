import { SqlDatabase, SqlDialect } from './sql-database';

/**
 * One migration step: SQL statements (one statement per string; the SQLite driver prepares
 * statements one at a time), either common to both dialects or per dialect. Steps are numbered
 * by their position in the list from 1, so a module only ever appends to its list.
 */
export type MigrationStep =
  | string
  | readonly string[]
  | { readonly sqlite: string | readonly string[]; readonly postgres: string | readonly string[] };

/** Any 64-bit constant private to migrations, so concurrent starters apply each step once. */
const MIGRATION_LOCK_KEY = 7_236_001_114_201;

function statementsFor(step: MigrationStep, dialect: SqlDialect): readonly string[] {
  const picked = typeof step === 'string' || Array.isArray(step) ? step : (step as Exclude<MigrationStep, string | readonly string[]>)[dialect];
  return typeof picked === 'string' ? [picked] : (picked as readonly string[]);
}

/**
 * Applies the steps of `name` not yet recorded in `schema_migrations`, each in its own
 * transaction with its version row, so a failed step leaves the earlier ones applied and can be
 * retried. Returns the module's schema version afterwards.
 */
export async function runMigrations(db: SqlDatabase, name: string, steps: readonly MigrationStep[]): Promise<number> {
  const lock = db.dialect === 'postgres' ? `SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})` : undefined;
  await db.transaction(async (tx) => {
    if (lock) await tx.query(lock);
    await tx.execute(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         name TEXT NOT NULL,
         version INTEGER NOT NULL,
         applied_time TEXT NOT NULL,
         PRIMARY KEY (name, version)
       )`,
    );
  });
  const applied = new Set(
    (await db.query<{ version: number | string }>('SELECT version FROM schema_migrations WHERE name = $1', [name])).map((row) =>
      Number(row.version),
    ),
  );
  let current = 0;
  for (let index = 0; index < steps.length; index++) {
    const version = index + 1;
    if (applied.has(version)) {
      current = version;
      continue;
    }
    current = await db.transaction(async (tx) => {
      if (lock) await tx.query(lock);
      const done = await tx.query('SELECT 1 AS done FROM schema_migrations WHERE name = $1 AND version = $2', [name, version]);
      if (done.length > 0) return version;
      for (const sql of statementsFor(steps[index], db.dialect)) await tx.execute(sql);
      await tx.execute('INSERT INTO schema_migrations (name, version, applied_time) VALUES ($1, $2, $3)', [
        name,
        version,
        new Date().toISOString(),
      ]);
      return version;
    });
  }
  return current;
}
