import BetterSqlite3 from 'better-sqlite3';
import { DuplicateEventConflictError, WrongExpectedVersionError } from './errors';
import { AppendOptions, AppendResult, NewEvent, StreamAppend } from './event-store.port';
import { runMigrations } from './sql/migrations';
import { SqliteDatabase } from './sql/sqlite-database';
import {
  EVENT_STORE_MIGRATION_NAME,
  EVENT_STORE_MIGRATIONS,
  PreparedEvent,
  SqlEventStore,
  SqlEventStoreOptions,
  StoredKey,
  checkIdentityOwner,
  planAppend,
  prepareEvents,
} from './sql/sql-event-store';

const INSERT_CHUNK = 100;
const INSERT_COLUMNS =
  '(position, stream_id, stream_version, event_id, source, type, event_time, recorded_time, received_time, data, metadata, content_hash)';
const ROW_PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * SQLite has one writer at a time, and each append runs as one IMMEDIATE transaction holding
 * the database write lock, also against other processes. So positions (head + 1) are handed out
 * and committed strictly in order, and a reader can never see a later position before an earlier one.
 */
export class SqliteEventStore extends SqlEventStore {
  readonly kind = 'sqlite' as const;

  private constructor(
    override readonly db: SqliteDatabase,
    options: SqlEventStoreOptions,
  ) {
    super(db, options);
  }

  static async create(db: SqliteDatabase, options: SqlEventStoreOptions = {}): Promise<SqliteEventStore> {
    await runMigrations(db, EVENT_STORE_MIGRATION_NAME, EVENT_STORE_MIGRATIONS);
    return new SqliteEventStore(db, options);
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const [result] = await this.appendMany([{ streamId, events, options }]);
    return result;
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const now = new Date().toISOString();
    const prepared = appends.map((entry) => ({ ...entry, prepared: prepareEvents(entry.streamId, entry.events, now) }));
    const results = await this.db.exclusive(() =>
      prepared.map((entry) => this.appendSync(entry.streamId, entry.prepared, entry.options, now, entry.options.identities ?? [])),
    );
    if (results.some((result) => result.outcomes.some((outcome) => outcome.status === 'recorded'))) this.notifyAppended();
    return results;
  }

  protected bindPosition(position: number): number {
    return position;
  }

  private appendSync(
    streamId: string,
    events: readonly PreparedEvent[],
    options: AppendOptions,
    now: string,
    identities: NonNullable<AppendOptions['identities']>,
  ): AppendResult {
    const current = (this.db.prepare('SELECT max(stream_version) AS v FROM events WHERE stream_id = ?').get(streamId) as { v: number | null }).v ?? 0;
    const head = (this.db.prepare('SELECT max(position) AS p FROM events').get() as { p: number | null }).p ?? 0;
    const lookup = this.db.prepare('SELECT position, stream_version, content_hash FROM events WHERE source = ? AND event_id = ?');
    const content = this.db.prepare('SELECT stream_id AS streamId, type, event_time AS eventTime, data FROM events WHERE position = ?');
    const plan = planAppend(streamId, events, options.expectedVersion, current, head, (source, eventId) => {
      const row = lookup.get(source, eventId) as { position: number; stream_version: number; content_hash: string } | undefined;
      if (!row) return undefined;
      return {
        position: row.position,
        streamVersion: row.stream_version,
        contentHash: row.content_hash,
        content: () => content.get(row.position) as ReturnType<StoredKey['content']>,
      } satisfies StoredKey;
    });

    if (identities.length > 0) {
      const owner = this.db.prepare('SELECT stream_id FROM identities WHERE kind = ? AND value = ?');
      const claim = this.db.prepare(
        'INSERT INTO identities (kind, value, stream_id, claimed_time) VALUES (?, ?, ?, ?) ON CONFLICT (kind, value) DO NOTHING',
      );
      for (const identity of identities) {
        const row = owner.get(identity.kind, identity.value) as { stream_id: string } | undefined;
        checkIdentityOwner(streamId, identity.kind, row?.stream_id);
        if (!row) claim.run(identity.kind, identity.value, streamId, now);
      }
    }

    try {
      for (let start = 0; start < plan.toInsert.length; start += INSERT_CHUNK) {
        const chunk = plan.toInsert.slice(start, start + INSERT_CHUNK);
        const values: unknown[] = [];
        for (const row of chunk) {
          values.push(
            row.position,
            streamId,
            row.streamVersion,
            row.eventId,
            row.source,
            row.type,
            row.eventTime,
            row.recordedTime,
            row.receivedTime,
            row.data,
            row.metadata,
            row.contentHash,
          );
        }
        this.insertStatement(chunk.length).run(...values);
      }
    } catch (error) {
      throw mapConstraint(error, streamId, current);
    }
    return { outcomes: plan.outcomes, nextExpectedVersion: plan.nextExpectedVersion };
  }

  private insertStatement(rows: number): BetterSqlite3.Statement {
    return this.db.prepare(`INSERT INTO events ${INSERT_COLUMNS} VALUES ${Array(rows).fill(ROW_PLACEHOLDERS).join(', ')}`);
  }
}

/** The unique indexes back up the checks made under the lock; they should never fire. */
function mapConstraint(error: unknown, streamId: string, current: number): unknown {
  const message = error instanceof Error ? error.message : '';
  if (message.includes('events.source, events.event_id')) return new DuplicateEventConflictError('', '');
  if (message.includes('events.stream_id, events.stream_version')) return new WrongExpectedVersionError(streamId, 'any', current);
  return error;
}
