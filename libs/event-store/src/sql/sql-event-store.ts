import { EventEmitter } from 'node:events';
import { DuplicateEventConflictError, EventAlreadyStoredError, EventStoreError, IdentityConflictError, WrongExpectedVersionError } from '../errors';
import {
  AppendManyOptions,
  AppendOptions,
  AppendOutcome,
  AppendResult,
  EventKey,
  EventMetadata,
  EventStore,
  ExpectedVersion,
  IdentityClaim,
  NewEvent,
  LogEvent,
  Position,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  ReadStreamsOptions,
  StoredEvent,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  identityMapKey,
} from '../event-store.port';
import { MigrationStep } from './migrations';
import { CREATE_APPEND_FUNCTION, DROP_JSON_APPEND_FUNCTION } from './postgres-append-function';
import { SqlDatabase, type SqlExecutor } from './sql-database';

export interface SqlEventStoreOptions {
  /** How often a live subscription looks for appends made by other processes. */
  readonly pollIntervalMs?: number;
  /** Close the database with the store (set by `openEventStore`, which created it). */
  readonly ownsDatabase?: boolean;
}

const eventColumns = `
  stream_id TEXT NOT NULL,
  stream_version INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  source TEXT NOT NULL,
  type TEXT NOT NULL,
  event_time TEXT NOT NULL,
  recorded_time TEXT NOT NULL,
  received_time TEXT NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT NOT NULL,
  content_hash TEXT NOT NULL`;

/**
 * Positions are assigned by the store (head + 1, under the write lock) rather than by a sequence
 * or rowid, so they are dense: no holes, which also makes `countAfter` a subtraction.
 */
/** What the source-owner trigger raises with (SQLite's message, PostgreSQL's SQLSTATE). */
export const SOURCE_OWNED_MESSAGE = 'kedja: source belongs to another actor';
export const SOURCE_OWNED_SQLSTATE = 'KJ003';

export const EVENT_STORE_MIGRATIONS: readonly MigrationStep[] = [
  {
    sqlite: [
      `CREATE TABLE events (position INTEGER PRIMARY KEY, ${eventColumns})`,
      'CREATE UNIQUE INDEX events_stream_version ON events (stream_id, stream_version)',
      'CREATE UNIQUE INDEX events_source_event_id ON events (source, event_id)',
      `CREATE TABLE identities (
         kind TEXT NOT NULL, value TEXT NOT NULL, stream_id TEXT NOT NULL, claimed_time TEXT NOT NULL,
         PRIMARY KEY (kind, value))`,
      'CREATE INDEX identities_stream ON identities (stream_id)',
    ],
    postgres: [
      `CREATE TABLE events (position BIGINT PRIMARY KEY, ${eventColumns})`,
      'CREATE UNIQUE INDEX events_stream_version ON events (stream_id, stream_version)',
      'CREATE UNIQUE INDEX events_source_event_id ON events (source, event_id)',
      `CREATE TABLE identities (
         kind TEXT NOT NULL, value TEXT NOT NULL, stream_id TEXT NOT NULL, claimed_time TEXT NOT NULL,
         PRIMARY KEY (kind, value))`,
      'CREATE INDEX identities_stream ON identities (stream_id)',
    ],
  },
  // Steps 2 and 3 created earlier versions of `kedja_append` (PostgreSQL only: SQLite appends
  // in-process, where round trips cost nothing). Step 4 drops whichever of them a database has and
  // creates the current definition, so on a fresh database these two have nothing left to do.
  { sqlite: [], postgres: [] },
  { sqlite: [], postgres: [] },
  // Step 4: the events travel as binary arrays, one per column, instead of one JSON text, and the
  // function's lookups are index probes whatever the table held when they were planned.
  { sqlite: [], postgres: [DROP_JSON_APPEND_FUNCTION, CREATE_APPEND_FUNCTION] },
  // Step 5: a source belongs to the first actor that appended with it (Amendments v1.1). A trigger
  // claims it with every inserted event, so every write path (the one-statement append, the
  // checking transaction, bulk loads) holds the rule in its own transaction without a round trip
  // or a second copy of the check; existing databases take the owner of each source from its
  // first event.
  {
    sqlite: [
      'CREATE TABLE source_owners (source TEXT PRIMARY KEY, actor TEXT NOT NULL)',
      "INSERT OR IGNORE INTO source_owners (source, actor) SELECT source, coalesce(json_extract(metadata, '$.actor'), '') FROM events ORDER BY position",
      `CREATE TRIGGER events_source_owner AFTER INSERT ON events BEGIN
         INSERT OR IGNORE INTO source_owners (source, actor) VALUES (NEW.source, coalesce(json_extract(NEW.metadata, '$.actor'), ''));
         SELECT RAISE(ABORT, '${SOURCE_OWNED_MESSAGE}')
           WHERE (SELECT actor FROM source_owners WHERE source = NEW.source) IS NOT coalesce(json_extract(NEW.metadata, '$.actor'), '');
       END`,
    ],
    postgres: [
      'CREATE TABLE source_owners (source TEXT PRIMARY KEY, actor TEXT NOT NULL)',
      // PostgreSQL's json cannot turn an escaped NUL (\u0000) anywhere in the text into text, so
      // such metadata (legal JSON, and kept as sent) is read with a pattern instead: the store
      // writes it with JSON.stringify, which leaves `"actor":"` unbroken and never inside a string.
      `CREATE OR REPLACE FUNCTION kedja_metadata_actor(m text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
         SELECT coalesce(CASE WHEN strpos(m, '\\u0000') = 0 THEN m::json ->> 'actor'
                              ELSE substring(m from '"actor":"([^"\\\\]*)"') END, '')
       $fn$`,
      `INSERT INTO source_owners (source, actor)
         SELECT DISTINCT ON (source) source, kedja_metadata_actor(metadata) FROM events ORDER BY source, position`,
      `CREATE OR REPLACE FUNCTION kedja_claim_sources() RETURNS trigger LANGUAGE plpgsql AS $fn$
       BEGIN
         INSERT INTO source_owners (source, actor)
           SELECT DISTINCT ON (n.source) n.source, kedja_metadata_actor(n.metadata) FROM new_events n ORDER BY n.source, n.position
           ON CONFLICT (source) DO NOTHING;
         IF EXISTS (SELECT 1 FROM new_events n JOIN source_owners o ON o.source = n.source
                    WHERE o.actor <> kedja_metadata_actor(n.metadata)) THEN
           RAISE EXCEPTION '${SOURCE_OWNED_MESSAGE}' USING ERRCODE = '${SOURCE_OWNED_SQLSTATE}';
         END IF;
         RETURN NULL;
       END
       $fn$`,
      `CREATE TRIGGER events_source_owner AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
         FOR EACH STATEMENT EXECUTE FUNCTION kedja_claim_sources()`,
    ],
  },
  // Step 6: on SQLite the adapter claims each distinct source of an append in the append's own
  // transaction (SqliteEventStore.claimSources), instead of a trigger per inserted row: the row
  // trigger (two json_extract, an insert and a lookup per event) cost a third of a batch append
  // (`npm run bench -- --only store`: 87% of the bare driver before it, 60% with it). Every SQLite
  // write of events goes through that adapter's one INSERT, so the rule still holds on every path.
  { sqlite: ['DROP TRIGGER IF EXISTS events_source_owner'], postgres: [] },
];

export const EVENT_STORE_MIGRATION_NAME = 'event-store';

export const EVENT_SELECT =
  'SELECT position, stream_id, stream_version, event_id, source, type, event_time, recorded_time, received_time, data, metadata FROM events';

export interface EventRow {
  position: number | string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  source: string;
  type: string;
  event_time: string;
  recorded_time: string;
  received_time: string;
  data: string;
  metadata: string;
}

export function rowToEvent(row: EventRow): StoredEvent {
  return {
    position: String(row.position),
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    eventId: row.event_id,
    source: row.source,
    type: row.type,
    eventTime: row.event_time,
    recordedTime: row.recorded_time,
    receivedTime: row.received_time,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
  };
}

/** `EVENT_SELECT` less the metadata, for `readAllWithoutMetadata`. */
const LOG_SELECT = 'SELECT position, stream_id, stream_version, event_id, source, type, event_time, recorded_time, received_time, data FROM events';

/** A row of LOG_SELECT as an array, in its column order. */
export type LogTuple = [
  position: number | string,
  streamId: string,
  streamVersion: number,
  eventId: string,
  source: string,
  type: string,
  eventTime: string,
  recordedTime: string,
  receivedTime: string,
  data: string,
];

function tupleToLogEvent(row: LogTuple): LogEvent {
  return {
    position: String(row[0]),
    streamId: row[1],
    streamVersion: Number(row[2]),
    eventId: row[3],
    source: row[4],
    type: row[5],
    eventTime: row[6],
    recordedTime: row[7],
    receivedTime: row[8],
    data: JSON.parse(row[9]),
  };
}

/**
 * The log events of `streamIds` recorded at or before `upTo`, each stream in recording order (a
 * requested stream with none maps to an empty list), read through `executor`: inside the caller's
 * transaction, where a projection refolds the people a batch touches from the log itself rather
 * than from a copy of their history kept in its own tables. Events at or before a projection's
 * batch are committed and immutable, so this reads the same whatever the transaction.
 */
export async function readLogStreams(executor: SqlExecutor, streamIds: readonly string[], upTo: Position): Promise<Map<string, LogEvent[]>> {
  const streams = new Map<string, LogEvent[]>();
  for (const streamId of streamIds) streams.set(streamId, []);
  if (streams.size === 0) return streams;
  const through = parsePosition(upTo);
  // The executor answers objects keyed by column, in LOG_SELECT's order: their values are its tuple.
  const collect = (rows: readonly Record<string, unknown>[]) => {
    for (const row of rows) streams.get(row.stream_id as string)?.push(tupleToLogEvent(Object.values(row) as LogTuple));
  };
  if (executor.dialect === 'postgres') {
    collect(
      await executor.query(`${LOG_SELECT} WHERE stream_id = ANY($1::text[]) AND position <= $2 ORDER BY stream_id, stream_version`, [
        [...streams.keys()],
        String(through),
      ]),
    );
    return streams;
  }
  // Fixed chunk sizes (padded with repeats), so SQLite prepares a handful of statements at most.
  for (const chunk of chunked([...streams.keys()])) {
    collect(
      await executor.query(`${LOG_SELECT} WHERE stream_id IN (${tuples(chunk.length, 1)}) AND position <= $${chunk.length + 1} ORDER BY stream_id, stream_version`, [
        ...chunk,
        through,
      ]),
    );
  }
  return streams;
}

function page<E extends LogEvent>(events: E[], after: Position | null): ReadAllPage<E> {
  return { events, last: events.length > 0 ? events[events.length - 1].position : after };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Fixed-width UTC (`2026-01-02T03:04:05.678Z`), so comparing the text orders by time. Precision
 * beyond milliseconds is dropped.
 */
export function normaliseTime(value: string, field: string): string {
  // Most callers already send the stored form; a string that is a real instant in it is returned
  // as is, which is what the Date round trip would give, at a fraction of the cost.
  if (isCanonicalUtc(value)) return value;
  const parsed = RFC3339.test(value) ? new Date(value) : new Date(Number.NaN);
  const year = parsed.getUTCFullYear();
  if (Number.isNaN(parsed.getTime()) || year < 0 || year > 9999) {
    throw new EventStoreError(`${field} is not an RFC 3339 time`);
  }
  return parsed.toISOString();
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(value: string, start: number, count: number): number {
  let result = 0;
  for (let index = start; index < start + count; index++) {
    const code = value.charCodeAt(index) - 48;
    if (code < 0 || code > 9) return -1;
    result = result * 10 + code;
  }
  return result;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` naming an existing instant. Anything else (Feb 30, 24:00, offsets)
 * goes through Date, which rolls such values over rather than rejecting them.
 */
function isCanonicalUtc(value: string): boolean {
  if (value.length !== 24 || value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':') return false;
  if (value[19] !== '.' || value[23] !== 'Z') return false;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || digits(value, 20, 3) < 0) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return false;
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  return hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60;
}

/** JSON with object keys sorted, so equal data gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  if (typeof (record as { toJSON?: unknown }).toJSON === 'function') return canonicalJson(JSON.parse(JSON.stringify(record)));
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

/** An event ready to write, with everything that can fail before the transaction computed. */
export interface PreparedEvent {
  readonly eventId: string;
  readonly source: string;
  readonly type: string;
  readonly eventTime: string;
  readonly recordedTime: string;
  readonly receivedTime: string;
  readonly data: string;
  readonly metadata: string;
  /** `metadata.actor`, kept apart so that claiming the event's source needs no JSON parse. */
  readonly actor: string;
}

/**
 * Content is compared only when a (source, eventId) turns out to be stored already, which is rare,
 * so no hash is computed on the hot path: the stored text is compared directly, and canonically
 * (key order aside) only when the texts differ. The `content_hash` column is kept for existing
 * databases and written empty.
 */
export function sameContent(
  a: { streamId: string; type: string; eventTime: string; data: string },
  b: { streamId: string; type: string; eventTime: string; data: string },
): boolean {
  if (a.streamId !== b.streamId || a.type !== b.type || a.eventTime !== b.eventTime) return false;
  return a.data === b.data || canonicalJson(JSON.parse(a.data)) === canonicalJson(JSON.parse(b.data));
}

export function prepareEvents(streamId: string, events: readonly NewEvent[], now: string): PreparedEvent[] {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new EventStoreError('streamId is empty');
  const prepared: PreparedEvent[] = new Array(events.length);
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    if (!event.eventId || !event.source || !event.type) throw new EventStoreError('an event needs eventId, source and type');
    prepared[index] = {
      eventId: event.eventId,
      source: event.source,
      type: event.type,
      eventTime: normaliseTime(event.eventTime, 'eventTime'),
      recordedTime: event.recordedTime === undefined ? now : normaliseTime(event.recordedTime, 'recordedTime'),
      receivedTime: now,
      data: JSON.stringify(event.data),
      metadata: JSON.stringify(event.metadata satisfies EventMetadata),
      actor: typeof event.metadata?.actor === 'string' ? event.metadata.actor : '',
    };
  }
  return prepared;
}

export interface StoredKey {
  readonly position: number;
  readonly streamVersion: number;
  /** The stored content, fetched only when compared. */
  readonly content: () => { streamId: string; type: string; eventTime: string; data: string };
}

/**
 * The dialect-free part of an append: given what the database already holds, decides which
 * events are new, which are duplicates, checks the expected version and assigns positions.
 * Throws before anything is written.
 */
export function planAppend(
  streamId: string,
  events: readonly PreparedEvent[],
  expected: ExpectedVersion,
  currentVersion: number,
  head: number,
  stored: (source: string, eventId: string) => StoredKey | undefined,
  newOnly = false,
): { toInsert: Array<PreparedEvent & { position: number; streamVersion: number }>; outcomes: AppendOutcome[]; nextExpectedVersion: number } {
  const seen = new Map<string, number>();
  const plan: Array<{ kind: 'new' } | { kind: 'stored'; key: StoredKey } | { kind: 'batch'; of: number }> = [];
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    const key = `${event.source}\u0000${event.eventId}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      if (newOnly) throw new EventAlreadyStoredError();
      if (!sameContent(asContent(streamId, events[earlier]), asContent(streamId, event))) {
        throw new DuplicateEventConflictError(event.source, event.eventId);
      }
      plan.push({ kind: 'batch', of: earlier });
      continue;
    }
    seen.set(key, index);
    const existing = stored(event.source, event.eventId);
    if (existing) {
      if (newOnly) throw new EventAlreadyStoredError();
      if (!sameContent(existing.content(), asContent(streamId, event))) {
        throw new DuplicateEventConflictError(event.source, event.eventId);
      }
      plan.push({ kind: 'stored', key: existing });
    } else {
      plan.push({ kind: 'new' });
    }
  }
  const newCount = plan.filter((entry) => entry.kind === 'new').length;
  // A retry whose events are all stored already succeeds as duplicates even though the stream has
  // moved on since: the version check guards new writes, and there are none.
  if (newCount > 0) checkExpectedVersion(streamId, expected, currentVersion);
  const toInsert: Array<PreparedEvent & { position: number; streamVersion: number }> = [];
  const outcomes: AppendOutcome[] = [];
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    const entry = plan[index];
    if (entry.kind === 'new') {
      const row = { ...event, position: head + toInsert.length + 1, streamVersion: currentVersion + toInsert.length + 1 };
      toInsert.push(row);
      outcomes.push({ eventId: event.eventId, source: event.source, status: 'recorded', position: String(row.position), streamVersion: row.streamVersion });
    } else {
      const original = entry.kind === 'stored' ? entry.key : undefined;
      const position = original ? String(original.position) : outcomes[entry.kind === 'batch' ? entry.of : 0].position;
      const streamVersion = original ? original.streamVersion : outcomes[entry.kind === 'batch' ? entry.of : 0].streamVersion;
      outcomes.push({ eventId: event.eventId, source: event.source, status: 'duplicate', position, streamVersion });
    }
  }
  return { toInsert, outcomes, nextExpectedVersion: currentVersion + newCount };
}

function asContent(streamId: string, event: PreparedEvent) {
  return { streamId, type: event.type, eventTime: event.eventTime, data: event.data };
}

export function checkExpectedVersion(streamId: string, expected: ExpectedVersion, current: number): void {
  if (expected === 'any') return;
  if (expected === 'no-stream') {
    if (current !== 0) throw new WrongExpectedVersionError(streamId, 'no-stream', current);
    return;
  }
  if (current !== expected) throw new WrongExpectedVersionError(streamId, String(expected), current);
}

export function checkIdentityOwner(streamId: string, kind: string, owner: string | undefined): void {
  if (owner !== undefined && owner !== streamId) throw new IdentityConflictError(kind, owner);
}

/**
 * Bulk reads pass their keys inline; padding the list (by repeating the last key, which changes
 * nothing in an IN list) to a power of two keeps the number of distinct statements small for the
 * statement caches. Above the largest bucket a read takes one query per bucket.
 */
const BULK_BUCKETS = [8, 32, 128, 512, 2048];

function chunked<T>(items: readonly T[]): T[][] {
  const largest = BULK_BUCKETS[BULK_BUCKETS.length - 1];
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += largest) {
    const chunk = items.slice(start, start + largest);
    const size = BULK_BUCKETS.find((bucket) => bucket >= chunk.length) ?? largest;
    while (chunk.length < size) chunk.push(chunk[chunk.length - 1]);
    chunks.push(chunk);
  }
  return chunks;
}

function tuples(count: number, width: number): string {
  const groups: string[] = new Array(count);
  for (let row = 0; row < count; row++) {
    const cells: string[] = new Array(width);
    for (let column = 0; column < width; column++) cells[column] = `$${row * width + column + 1}`;
    groups[row] = width === 1 ? cells[0] : `(${cells.join(', ')})`;
  }
  return groups.join(', ');
}

export function parsePosition(position: Position | null): number {
  if (position === null) return 0;
  if (!/^\d{1,16}$/.test(position)) throw new EventStoreError('not a position of this store');
  return Number(position);
}

/**
 * Everything but the append, written once over `SqlDatabase`. Safe for both dialects because
 * appends commit in position order (see the adapters), so `position > after` never skips.
 */
export abstract class SqlEventStore implements EventStore {
  abstract readonly kind: 'sqlite' | 'postgres';
  protected readonly appended = new EventEmitter();
  protected readonly pollIntervalMs: number;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  protected constructor(
    readonly db: SqlDatabase,
    protected readonly options: SqlEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.appended.setMaxListeners(0);
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const [result] = await this.appendMany([{ streamId, events, options }]);
    return result;
  }

  abstract appendMany(appends: readonly StreamAppend[], options?: AppendManyOptions): Promise<AppendResult[]>;

  /** Positions are bound as numbers on SQLite and as decimal text (BIGINT) on PostgreSQL. */
  protected abstract bindPosition(position: number): number | string;

  /**
   * Runs one of the store's fixed read statements; `name` lets an adapter keep it prepared on the
   * server (PostgreSQL), the SQLite adapter caches every statement anyway.
   */
  protected queryFixed<T>(name: string, sql: string, params: readonly unknown[]): Promise<T[]> {
    void name;
    return this.db.query<T>(sql, params);
  }

  /** `queryFixed` with each row as an array of its columns, in select order. */
  protected abstract queryArrays<T extends unknown[]>(name: string, sql: string, params: readonly unknown[]): Promise<T[]>;

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const after = options.afterVersion ?? 0;
    const rows =
      options.recordedUpTo === undefined
        ? await this.queryFixed<EventRow>('kedja_es_read_stream', `${EVENT_SELECT} WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version`, [
            streamId,
            after,
          ])
        : await this.db.query<EventRow>(
            `${EVENT_SELECT} WHERE stream_id = $1 AND stream_version > $2 AND recorded_time <= $3 ORDER BY stream_version`,
            [streamId, after, normaliseTime(options.recordedUpTo, 'recordedUpTo')],
          );
    return rows.map(rowToEvent);
  }

  async readAll(options: ReadAllOptions): Promise<ReadAllPage> {
    const rows = await this.queryFixed<EventRow>('kedja_es_read_all', `${EVENT_SELECT} WHERE position > $1 ORDER BY position LIMIT $2`, this.pageParams(options));
    return page(rows.map(rowToEvent), options.after);
  }

  async readAllWithoutMetadata(options: ReadAllOptions): Promise<ReadAllPage<LogEvent>> {
    // The rows come as arrays, not objects keyed by column name: that and the metadata left out
    // cut the cost of materialising a page, most of what reading the log costs a rebuild.
    const rows = await this.queryArrays<LogTuple>('kedja_es_read_log', `${LOG_SELECT} WHERE position > $1 ORDER BY position LIMIT $2`, this.pageParams(options));
    return page(rows.map(tupleToLogEvent), options.after);
  }

  private pageParams(options: ReadAllOptions): unknown[] {
    return [this.bindPosition(parsePosition(options.after)), Math.max(1, Math.floor(options.limit))];
  }

  async findEvent(source: string, eventId: string): Promise<StoredEvent | null> {
    const rows = await this.queryFixed<EventRow>('kedja_es_find_event', `${EVENT_SELECT} WHERE source = $1 AND event_id = $2`, [source, eventId]);
    return rows.length > 0 ? rowToEvent(rows[0]) : null;
  }

  async resolveIdentity(kind: string, value: string): Promise<string | null> {
    const rows = await this.queryFixed<{ stream_id: string }>('kedja_es_resolve_identity', 'SELECT stream_id FROM identities WHERE kind = $1 AND value = $2', [
      kind,
      value,
    ]);
    return rows.length > 0 ? rows[0].stream_id : null;
  }

  async findEvents(keys: readonly EventKey[]): Promise<StoredEvent[]> {
    const unique = new Map<string, EventKey>();
    for (const key of keys) unique.set(`${key.source}\u0000${key.eventId}`, key);
    const events: StoredEvent[] = [];
    const chunks = chunked([...unique.values()]);
    for (const chunk of chunks) {
      const params: string[] = [];
      for (const key of chunk) params.push(key.source, key.eventId);
      const rows = await this.db.query<EventRow>(`${EVENT_SELECT} WHERE (source, event_id) IN (VALUES ${tuples(chunk.length, 2)}) ORDER BY position`, params);
      for (const row of rows) events.push(rowToEvent(row));
    }
    if (chunks.length > 1) events.sort((a, b) => Number(a.position) - Number(b.position));
    return events;
  }

  async resolveIdentities(claims: readonly IdentityClaim[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    for (const chunk of chunked(claims)) {
      const params: string[] = [];
      for (const claim of chunk) params.push(claim.kind, claim.value);
      const rows = await this.db.query<{ kind: string; value: string; stream_id: string }>(
        `SELECT kind, value, stream_id FROM identities WHERE (kind, value) IN (VALUES ${tuples(chunk.length, 2)})`,
        params,
      );
      for (const row of rows) owners.set(identityMapKey(row.kind, row.value), row.stream_id);
    }
    return owners;
  }

  async resolveSourceOwners(sources: readonly string[]): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    for (const chunk of chunked([...new Set(sources)])) {
      const rows = await this.db.query<{ source: string; actor: string }>(`SELECT source, actor FROM source_owners WHERE source IN (${tuples(chunk.length, 1)})`, chunk);
      for (const row of rows) owners.set(row.source, row.actor);
    }
    return owners;
  }

  async readStreams(streamIds: readonly string[], options: ReadStreamsOptions = {}): Promise<Map<string, StoredEvent[]>> {
    const streams = new Map<string, StoredEvent[]>();
    for (const streamId of streamIds) streams.set(streamId, []);
    const after = options.afterVersions;
    // One stream (a single posting's person) is readStream's prepared query, not a chunk padded to
    // eight terms: the common case of the recorder's looked-up plan, kept as cheap as a lookup.
    if (streams.size === 1) {
      const [streamId] = streams.keys();
      streams.set(streamId, await this.readStream(streamId, { afterVersion: after?.get(streamId) ?? 0 }));
      return streams;
    }
    for (const chunk of chunked([...streams.keys()])) {
      // With versions: one (stream_id = ? AND stream_version > ?) term per stream, each an index
      // range on (stream_id, stream_version), still one query for the whole chunk.
      const rows = after && after.size > 0
        ? await this.db.query<EventRow>(
            `${EVENT_SELECT} WHERE ${chunk.map((_, i) => `(stream_id = $${2 * i + 1} AND stream_version > $${2 * i + 2})`).join(' OR ')} ORDER BY stream_id, stream_version`,
            chunk.flatMap((streamId) => [streamId, after.get(streamId) ?? 0]),
          )
        : await this.db.query<EventRow>(`${EVENT_SELECT} WHERE stream_id IN (${tuples(chunk.length, 1)}) ORDER BY stream_id, stream_version`, chunk);
      for (const row of rows) streams.get(row.stream_id)?.push(rowToEvent(row));
    }
    return streams;
  }

  async headPosition(): Promise<Position | null> {
    const rows = await this.db.query<{ head: number | string | null }>('SELECT max(position) AS head FROM events');
    const head = rows[0]?.head;
    return head === null || head === undefined ? null : String(head);
  }

  async countAfter(position: Position | null): Promise<number> {
    const head = await this.headPosition();
    // Dense positions make this exact; should events ever be deleted it becomes an upper bound.
    return head === null ? 0 : Math.max(0, Number(head) - parsePosition(position));
  }

  subscribeAll(options: SubscribeOptions): Subscription {
    const subscription = new LiveSubscription(this, options, this.pollIntervalMs, this.appended, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }

  sync(): Promise<void> {
    return this.db.sync?.() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    if (this.options.ownsDatabase) await this.db.close();
  }

  protected notifyAppended(): void {
    this.appended.emit('appended');
  }
}

class LiveSubscription implements Subscription {
  private position: Position | null;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly waiters: Array<{ target: number; resolve: () => void; reject: (error: unknown) => void }> = [];
  private readonly done: Promise<void>;

  constructor(
    private readonly store: EventStore,
    private readonly options: SubscribeOptions,
    private readonly pollIntervalMs: number,
    private readonly appended: EventEmitter,
    private readonly onStopped: () => void,
  ) {
    this.position = options.after;
    this.done = this.run();
  }

  async caughtUp(): Promise<void> {
    const head = await this.store.headPosition();
    if (head === null || parsePosition(this.position) >= Number(head)) return;
    if (this.stopped) throw new EventStoreError('subscription is stopped');
    return new Promise((resolve, reject) => {
      this.waiters.push({ target: Number(head), resolve, reject });
      this.wake?.();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.done;
  }

  private async run(): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    let failures = 0;
    while (!this.stopped) {
      try {
        const page = await this.store.readAll({ after: this.position, limit: batchSize });
        if (this.stopped) break;
        if (page.events.length > 0) {
          await this.options.handler(page.events);
          this.position = page.last;
          failures = 0;
          this.settleWaiters();
          if (page.events.length === batchSize) continue;
        } else {
          failures = 0;
          this.settleWaiters();
        }
        await this.sleep(this.pollIntervalMs);
      } catch (error) {
        // The batch is retried from the last position the handler finished, with backoff: a
        // projection that commits its checkpoint with its update gets each event exactly once.
        failures++;
        if (this.options.onError) this.options.onError(error);
        else console.error('event store subscription failed; retrying', error);
        await this.sleep(Math.min(this.pollIntervalMs * 2 ** failures, 5000), false);
      }
    }
    for (const waiter of this.waiters.splice(0)) waiter.reject(new EventStoreError('subscription is stopped'));
    this.onStopped();
  }

  private settleWaiters(): void {
    const reached = parsePosition(this.position);
    for (let index = this.waiters.length - 1; index >= 0; index--) {
      if (this.waiters[index].target <= reached) this.waiters.splice(index, 1)[0].resolve();
    }
  }

  private sleep(ms: number, wakeOnAppend = true): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.appended.off('appended', finish);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      if (wakeOnAppend) this.appended.on('appended', finish);
      this.wake = finish;
    });
  }
}
