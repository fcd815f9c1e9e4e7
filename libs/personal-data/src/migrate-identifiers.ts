import { PostgresDatabase, SqliteDatabase, type SqlExecutor } from '@kedja/event-store';
import { DATA_KEY_KIND, IDENTIFIER_KINDS, PERSONAL_DATA_ERASED, isSealed, truncateWal, type PersonalData } from './personal-data';

export interface IdentifierMigration {
  /** Persons converted by this run (0 when the database was converted already). */
  readonly persons: number;
  /** Stored values sealed (personnummer in registrations, dossier subjects) and index entries hashed. */
  readonly sealed: number;
  readonly hashed: number;
  /** The files were compacted afterwards (SQLite VACUUM, PostgreSQL VACUUM FULL). */
  readonly compacted: boolean;
}

const BATCH = 200;
/** Any 64-bit constant private to this migration. */
const MIGRATION_LOCK_KEY = 7_236_001_114_227;
const INDEX_PREFIX = 'h1.';

/**
 * Persons a database written before identifiers were sealed still holds in the old form: an
 * identifier index entry in clear, or no data key. An erased person has no key either, and must
 * never get one again (a new key would make them look unerased). Cheap when there are none (an
 * index probe per person), so the service asks at every start.
 */
async function pending(db: SqlExecutor): Promise<string[]> {
  const kinds = IDENTIFIER_KINDS.map((k) => `'${k}'`).join(', ');
  const rows = await db.query<{ stream_id: string }>(
    `SELECT DISTINCT stream_id FROM identities i
      WHERE (i.kind IN (${kinds}) AND i.value NOT LIKE '${INDEX_PREFIX}%')
         OR (i.kind = 'person' AND NOT EXISTS (SELECT 1 FROM identities k WHERE k.stream_id = i.stream_id AND k.kind = '${DATA_KEY_KIND}')
             AND NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_id = i.stream_id AND e.type = '${PERSONAL_DATA_ERASED}'))
      ORDER BY stream_id`,
  );
  return rows.map((r) => r.stream_id);
}

/**
 * Converts a database written by an earlier version: each person gets a data key, their index
 * entries become keyed hashes, the personnummer in their registrations and the dossier number
 * (into the case opening's metadata) are sealed. One transaction per batch of persons, and a
 * person once converted is no longer pending, so an interrupted run resumes where it stopped.
 * Then the files are compacted so no old page keeps a clear value: SQLite (with secure_delete on
 * during the run) VACUUMs and truncates its WAL; PostgreSQL runs VACUUM FULL on the two tables
 * (see the README for the WAL archive and backups, which hold what they held).
 */
export async function migrateIdentifiers(personalData: PersonalData, onProgress?: (done: number, total: number) => void): Promise<IdentifierMigration> {
  const db = personalData.db;
  const persons = await pending(db);
  if (persons.length === 0) return { persons: 0, sealed: 0, hashed: 0, compacted: false };
  const sqlite = db instanceof SqliteDatabase ? db : undefined;
  sqlite?.connection.pragma('secure_delete = ON');
  let sealed = 0;
  let hashed = 0;
  try {
    onProgress?.(0, persons.length);
    for (let at = 0; at < persons.length; at += BATCH) {
      const batch = persons.slice(at, at + BATCH);
      const counts = await db.transaction(async (tx) => {
        // Instances starting together on one PostgreSQL database convert one batch at a time, and
        // each reads the person afresh under the lock: no person gets two keys.
        if (db instanceof PostgresDatabase) await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
        let s = 0;
        let h = 0;
        for (const personId of batch) {
          const done = await convert(tx, personalData, personId);
          s += done.sealed;
          h += done.hashed;
        }
        return { s, h };
      });
      sealed += counts.s;
      hashed += counts.h;
      onProgress?.(Math.min(at + BATCH, persons.length), persons.length);
    }
  } finally {
    sqlite?.connection.pragma('secure_delete = OFF');
  }
  if (sqlite) {
    sqlite.connection.exec('VACUUM');
    await truncateWal(sqlite);
  } else if (db instanceof PostgresDatabase) {
    // VACUUM FULL rewrites the tables but keeps no statistics: without ANALYZE the planner went on
    // planning with the counts of before the conversion (the timeline read fell from ~3,000 to
    // ~200 requests/s after a converted database started).
    await db.execute('VACUUM FULL ANALYZE identities');
    await db.execute('VACUUM FULL ANALYZE events');
  }
  return { persons: persons.length, sealed, hashed, compacted: true };
}

async function convert(tx: SqlExecutor, personalData: PersonalData, personId: string): Promise<{ sealed: number; hashed: number }> {
  const rows = await tx.query<{ kind: string; value: string }>('SELECT kind, value FROM identities WHERE stream_id = $1', [personId]);
  const keyRow = rows.find((r) => r.kind === DATA_KEY_KIND);
  let key: Buffer;
  if (keyRow) {
    key = await personalData.unwrap(personId, keyRow.value);
  } else {
    const made = await personalData.keyFor(personId);
    key = made.key;
    await tx.execute('INSERT INTO identities (kind, value, stream_id, claimed_time) VALUES ($1, $2, $3, $4)', [DATA_KEY_KIND, made.keyClaim.value, personId, new Date().toISOString()]);
  }
  let hashed = 0;
  let sealed = 0;
  const clearDossier = rows.find((r) => r.kind === 'dossier' && !r.value.startsWith(INDEX_PREFIX))?.value;
  for (const row of rows) {
    if (!IDENTIFIER_KINDS.includes(row.kind) || row.value.startsWith(INDEX_PREFIX)) continue;
    await tx.execute('UPDATE identities SET value = $1 WHERE kind = $2 AND value = $3', [personalData.index(row.kind, row.value), row.kind, row.value]);
    hashed++;
  }
  const events = await tx.query<{ position: number | string; type: string; data: string; metadata: string }>(
    "SELECT position, type, data, metadata FROM events WHERE stream_id = $1 AND type IN ('PopulationRegistered', 'MigrationCaseOpened') ORDER BY position",
    [personId],
  );
  for (const event of events) {
    if (event.type === 'PopulationRegistered') {
      const data = JSON.parse(event.data) as Record<string, unknown>;
      const pnr = data.personalIdentityNumber;
      if (typeof pnr !== 'string' || isSealed(pnr)) continue;
      await tx.execute('UPDATE events SET data = $1 WHERE position = $2', [JSON.stringify({ ...data, personalIdentityNumber: personalData.seal(key, personId, pnr) }), event.position]);
      sealed++;
    } else if (clearDossier !== undefined) {
      const metadata = JSON.parse(event.metadata) as Record<string, unknown>;
      if (metadata.subject !== undefined) continue;
      await tx.execute('UPDATE events SET metadata = $1 WHERE position = $2', [JSON.stringify({ ...metadata, subject: personalData.seal(key, personId, `dossier:${clearDossier}`) }), event.position]);
      sealed++;
    }
  }
  return { sealed, hashed };
}
