import BetterSqlite3 from 'better-sqlite3';
import { DuplicateEventConflictError, SourceOwnedError, WrongExpectedVersionError } from './errors';
import { AppendManyOptions, AppendOptions, AppendOutcome, AppendResult, ExpectedVersion, StreamAppend } from './event-store.port';
import { runMigrations } from './sql/migrations';
import { SqliteDatabase } from './sql/sqlite-database';
import {
  EVENT_STORE_MIGRATION_NAME,
  EVENT_STORE_MIGRATIONS,
  PreparedEvent,
  SOURCE_OWNED_MESSAGE,
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
const ROW_PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')";

/** Thrown inside the fast path to hand the append to the checking path. */
class NeedsCheckedAppend extends Error {}

/**
 * SQLite has one writer at a time, and each append runs as one IMMEDIATE transaction holding
 * the database write lock, also against other processes. So positions (head + 1) are handed out
 * and committed strictly in order, and a reader can never see a later position before an earlier one.
 */
export class SqliteEventStore extends SqlEventStore {
  readonly kind = 'sqlite' as const;

  private readonly inserts = new Map<number, BetterSqlite3.Statement>();

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

  async appendMany(appends: readonly StreamAppend[], options: AppendManyOptions = {}): Promise<AppendResult[]> {
    const now = new Date().toISOString();
    const prepared = appends.map((entry) => ({ ...entry, prepared: prepareEvents(entry.streamId, entry.events, now) }));
    const results = await this.db.exclusive(() =>
      (prepared.length > 1 ? this.appendAllOptimistic(prepared, now) : undefined)
        ?? prepared.map((entry) => this.appendSync(entry.streamId, entry.prepared, entry.options, now, entry.options.identities ?? [], options.newOnly)),
      { deferSync: options.deferSync },
    );
    if (results.some((result) => result.outcomes.some((outcome) => outcome.status === 'recorded'))) this.notifyAppended();
    return results;
  }

  protected override queryArrays<T extends unknown[]>(_name: string, sql: string, params: readonly unknown[]): Promise<T[]> {
    return this.db.queryArrays<T>(sql, params);
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
    newOnly = false,
  ): AppendResult {
    const current = (this.db.prepare('SELECT max(stream_version) AS v FROM events WHERE stream_id = ?').get(streamId) as { v: number | null }).v ?? 0;
    const head = (this.db.prepare('SELECT max(position) AS p FROM events').get() as { p: number | null }).p ?? 0;
    if (events.length === 0 || versionMatches(options.expectedVersion, current)) {
      const result = this.appendOptimistic(streamId, events, now, identities, current, head);
      if (result) return result;
    }
    return this.appendChecked(streamId, events, options, now, identities, current, head, newOnly);
  }

  /**
   * The common case, an append of new events at the expected version with free identifiers,
   * costs one statement per 100 events and one per identifier: it writes first and lets the
   * unique indexes find duplicates. Anything unusual (a duplicate (source, eventId), a claimed
   * identifier) rolls back to the savepoint and returns undefined, and `appendChecked` decides
   * the outcome from scratch, so every rule lives in one place.
   */
  private appendOptimistic(
    streamId: string,
    events: readonly PreparedEvent[],
    now: string,
    identities: NonNullable<AppendOptions['identities']>,
    current: number,
    head: number,
  ): AppendResult | undefined {
    // A single INSERT is atomic by itself; a savepoint is needed only when several statements run.
    const savepoint = identities.length > 0 || events.length > INSERT_CHUNK;
    if (savepoint) this.db.connection.exec('SAVEPOINT kedja_append');
    try {
      if (identities.length > 0) {
        const claim = this.db.prepare(
          'INSERT INTO identities (kind, value, stream_id, claimed_time) VALUES (?, ?, ?, ?) ON CONFLICT (kind, value) DO NOTHING',
        );
        const owner = this.db.prepare('SELECT stream_id FROM identities WHERE kind = ? AND value = ?');
        for (const identity of identities) {
          if (claim.run(identity.kind, identity.value, streamId, now).changes > 0) continue;
          const row = owner.get(identity.kind, identity.value) as { stream_id: string } | undefined;
          if (row?.stream_id !== streamId) throw new NeedsCheckedAppend();
        }
      }
      this.insertRows(streamId, events, head + 1, current + 1);
      if (savepoint) this.db.connection.exec('RELEASE kedja_append');
    } catch (error) {
      if (savepoint) this.db.connection.exec('ROLLBACK TO kedja_append; RELEASE kedja_append');
      if (error instanceof NeedsCheckedAppend || isDuplicateKey(error)) return undefined;
      throw mapConstraint(error, streamId, current);
    }
    const outcomes: AppendOutcome[] = new Array(events.length);
    for (let index = 0; index < events.length; index++) {
      const event = events[index];
      outcomes[index] = { eventId: event.eventId, source: event.source, status: 'recorded', position: String(head + index + 1), streamVersion: current + index + 1 };
    }
    return { outcomes, nextExpectedVersion: current + events.length };
  }

  private appendChecked(
    streamId: string,
    events: readonly PreparedEvent[],
    options: AppendOptions,
    now: string,
    identities: NonNullable<AppendOptions['identities']>,
    current: number,
    head: number,
    newOnly: boolean,
  ): AppendResult {
    const lookup = this.db.prepare('SELECT position, stream_version FROM events WHERE source = ? AND event_id = ?');
    const content = this.db.prepare('SELECT stream_id AS streamId, type, event_time AS eventTime, data FROM events WHERE position = ?');
    const plan = planAppend(streamId, events, options.expectedVersion, current, head, (source, eventId) => {
      const row = lookup.get(source, eventId) as { position: number; stream_version: number } | undefined;
      if (!row) return undefined;
      return {
        position: row.position,
        streamVersion: row.stream_version,
        content: () => content.get(row.position) as ReturnType<StoredKey['content']>,
      } satisfies StoredKey;
    }, newOnly);

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

    if (plan.toInsert.length > 0) {
      try {
        this.insertRows(streamId, plan.toInsert, plan.toInsert[0].position, plan.toInsert[0].streamVersion);
      } catch (error) {
        throw mapConstraint(error, streamId, current);
      }
    }
    return { outcomes: plan.outcomes, nextExpectedVersion: plan.nextExpectedVersion };
  }

  /**
   * The common case of a many-stream append (the recorder's group of persons): every expected
   * version holds, no (source, eventId) is stored, every identifier is free. Then the whole group
   * costs one version lookup per stream, one claim per identifier and one INSERT per 100 rows,
   * instead of a head lookup and an INSERT per stream. Anything unusual rolls back to the
   * savepoint and returns undefined, and each stream goes through `appendSync` as before.
   */
  private appendAllOptimistic(
    appends: ReadonlyArray<StreamAppend & { readonly prepared: readonly PreparedEvent[] }>,
    now: string,
  ): AppendResult[] | undefined {
    const versionOf = this.db.prepare('SELECT max(stream_version) AS v FROM events WHERE stream_id = ?');
    const versions = new Map<string, number>();
    const starts: number[] = new Array(appends.length);
    for (let index = 0; index < appends.length; index++) {
      const { streamId, prepared, options } = appends[index];
      let current = versions.get(streamId);
      if (current === undefined) current = (versionOf.get(streamId) as { v: number | null }).v ?? 0;
      if (!versionMatches(options.expectedVersion, current)) return undefined;
      starts[index] = current;
      versions.set(streamId, current + prepared.length);
    }
    let position = ((this.db.prepare('SELECT max(position) AS p FROM events').get() as { p: number | null }).p ?? 0) + 1;
    this.db.connection.exec('SAVEPOINT kedja_append_all');
    try {
      const claim = this.db.prepare(
        'INSERT INTO identities (kind, value, stream_id, claimed_time) VALUES (?, ?, ?, ?) ON CONFLICT (kind, value) DO NOTHING',
      );
      const owner = this.db.prepare('SELECT stream_id FROM identities WHERE kind = ? AND value = ?');
      for (const { streamId, options } of appends) {
        for (const identity of options.identities ?? []) {
          if (claim.run(identity.kind, identity.value, streamId, now).changes > 0) continue;
          const row = owner.get(identity.kind, identity.value) as { stream_id: string } | undefined;
          if (row?.stream_id !== streamId) throw new NeedsCheckedAppend();
        }
      }
      this.claimSources(appends.flatMap((a) => a.prepared));
      const results: AppendResult[] = new Array(appends.length);
      const pending: unknown[] = [];
      let rows = 0;
      for (let index = 0; index < appends.length; index++) {
        const { streamId, prepared } = appends[index];
        const outcomes: AppendOutcome[] = new Array(prepared.length);
        for (let i = 0; i < prepared.length; i++) {
          const event = prepared[i];
          const version = starts[index] + i + 1;
          pending.push(position, streamId, version, event.eventId, event.source, event.type, event.eventTime,
            event.recordedTime, event.receivedTime, event.data, event.metadata);
          outcomes[i] = { eventId: event.eventId, source: event.source, status: 'recorded', position: String(position), streamVersion: version };
          position++;
          if (++rows === INSERT_CHUNK) {
            this.insertStatement(rows).run(pending);
            pending.length = 0;
            rows = 0;
          }
        }
        results[index] = { outcomes, nextExpectedVersion: starts[index] + prepared.length };
      }
      if (rows > 0) this.insertStatement(rows).run(pending);
      this.db.connection.exec('RELEASE kedja_append_all');
      return results;
    } catch (error) {
      this.db.connection.exec('ROLLBACK TO kedja_append_all; RELEASE kedja_append_all');
      if (error instanceof NeedsCheckedAppend || isDuplicateKey(error)) return undefined;
      throw mapConstraint(error, '', 0);
    }
  }

  /** Rows get consecutive positions and versions from the given first ones. */
  private insertRows(streamId: string, rows: readonly PreparedEvent[], firstPosition: number, firstVersion: number): void {
    this.claimSources(rows);
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const count = Math.min(INSERT_CHUNK, rows.length - start);
      const values: unknown[] = new Array(count * 11);
      let cell = 0;
      for (let index = start; index < start + count; index++) {
        const row = rows[index];
        values[cell++] = firstPosition + index;
        values[cell++] = streamId;
        values[cell++] = firstVersion + index;
        values[cell++] = row.eventId;
        values[cell++] = row.source;
        values[cell++] = row.type;
        values[cell++] = row.eventTime;
        values[cell++] = row.recordedTime;
        values[cell++] = row.receivedTime;
        values[cell++] = row.data;
        values[cell++] = row.metadata;
      }
      this.insertStatement(count).run(values);
    }
  }

  /**
   * A source belongs to the first actor that appends with it (CONTRACT.md Amendments v1.1):
   * claimed here, in the caller's transaction, once per distinct source of the rows about to be
   * inserted (a batch has a few), so an append that breaks the rule writes nothing.
   */
  private claimSources(rows: readonly PreparedEvent[]): void {
    const actors = new Map<string, string>();
    for (const row of rows) {
      const seen = actors.get(row.source);
      if (seen === undefined) actors.set(row.source, row.actor);
      else if (seen !== row.actor) throw new SourceOwnedError();
    }
    // Looked up first: nearly every source is claimed already, and a read costs less than a write
    // that conflicts.
    const owner = this.db.prepare('SELECT actor FROM source_owners WHERE source = ?');
    for (const [source, actor] of actors) {
      const row = owner.get(source) as { actor: string } | undefined;
      if (row === undefined) this.db.prepare('INSERT INTO source_owners (source, actor) VALUES (?, ?)').run(source, actor);
      else if (row.actor !== actor) throw new SourceOwnedError();
    }
  }

  private insertStatement(rows: number): BetterSqlite3.Statement {
    let statement = this.inserts.get(rows);
    if (!statement) {
      statement = this.db.connection.prepare(`INSERT INTO events ${INSERT_COLUMNS} VALUES ${Array(rows).fill(ROW_PLACEHOLDERS).join(', ')}`);
      this.inserts.set(rows, statement);
    }
    return statement;
  }
}

function versionMatches(expected: ExpectedVersion, current: number): boolean {
  return expected === 'any' || (expected === 'no-stream' ? current === 0 : expected === current);
}

// Duck-typed, not `instanceof Error`: better-sqlite3's errors come from the main realm, and
// under a test runner's sandbox `Error` is another realm's constructor.
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}

function isDuplicateKey(error: unknown): boolean {
  return messageOf(error).includes('events.source, events.event_id');
}

/** The unique indexes back up the checks made under the lock; they should never fire. */
function mapConstraint(error: unknown, streamId: string, current: number): unknown {
  if (error instanceof SourceOwnedError) return error;
  const message = messageOf(error);
  if (message.includes(SOURCE_OWNED_MESSAGE)) return new SourceOwnedError();
  if (message.includes('events.source, events.event_id')) return new DuplicateEventConflictError('', '');
  if (message.includes('events.stream_id, events.stream_version')) return new WrongExpectedVersionError(streamId, 'any', current);
  return error;
}
