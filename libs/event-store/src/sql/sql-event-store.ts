import { hash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { DuplicateEventConflictError, EventStoreError, IdentityConflictError, WrongExpectedVersionError } from '../errors';
import {
  AppendOptions,
  AppendOutcome,
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedVersion,
  NewEvent,
  Position,
  ReadAllPage,
  ReadStreamOptions,
  StoredEvent,
  StreamAppend,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import { MigrationStep } from './migrations';
import { SqlDatabase } from './sql-database';

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

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Fixed-width UTC (`2026-01-02T03:04:05.678Z`), so comparing the text orders by time. Precision
 * beyond milliseconds is dropped.
 */
export function normaliseTime(value: string, field: string): string {
  const parsed = RFC3339.test(value) ? new Date(value) : new Date(Number.NaN);
  const year = parsed.getUTCFullYear();
  if (Number.isNaN(parsed.getTime()) || year < 0 || year > 9999) {
    throw new EventStoreError(`${field} is not an RFC 3339 time`);
  }
  return parsed.toISOString();
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
  readonly contentHash: string;
}

/**
 * The content hash covers the stored text, not a canonical form, so the hot path serialises the
 * data once. Equal hashes mean identical content; when a (source, eventId) is already stored and
 * the hashes differ, `sameContent` compares canonical forms (key order and time offsets aside),
 * which costs something only on that rare path.
 */
export function contentHash(streamId: string, type: string, eventTime: string, dataJson: string): string {
  return hash('sha256', `${streamId}\u0000${type}\u0000${eventTime}\u0000${dataJson}`, 'base64');
}

export function sameContent(
  a: { streamId: string; type: string; eventTime: string; data: string },
  b: { streamId: string; type: string; eventTime: string; data: string },
): boolean {
  return a.streamId === b.streamId && a.type === b.type && a.eventTime === b.eventTime && canonicalJson(JSON.parse(a.data)) === canonicalJson(JSON.parse(b.data));
}

export function prepareEvents(streamId: string, events: readonly NewEvent[], now: string): PreparedEvent[] {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new EventStoreError('streamId is empty');
  return events.map((event) => {
    if (!event.eventId || !event.source || !event.type) throw new EventStoreError('an event needs eventId, source and type');
    const eventTime = normaliseTime(event.eventTime, 'eventTime');
    const recordedTime = event.recordedTime === undefined ? now : normaliseTime(event.recordedTime, 'recordedTime');
    const data = JSON.stringify(event.data);
    return {
      eventId: event.eventId,
      source: event.source,
      type: event.type,
      eventTime,
      recordedTime,
      receivedTime: now,
      data,
      metadata: JSON.stringify(event.metadata satisfies EventMetadata),
      contentHash: contentHash(streamId, event.type, eventTime, data),
    };
  });
}

export interface StoredKey {
  readonly position: number;
  readonly streamVersion: number;
  readonly contentHash: string;
  /** The stored content, fetched only when the hashes differ. */
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
): { toInsert: Array<PreparedEvent & { position: number; streamVersion: number }>; outcomes: AppendOutcome[]; nextExpectedVersion: number } {
  const seen = new Map<string, { index: number; hash: string }>();
  const plan: Array<{ kind: 'new' } | { kind: 'stored'; key: StoredKey } | { kind: 'batch'; of: number }> = [];
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    const key = `${event.source}\u0000${event.eventId}`;
    const earlier = seen.get(key);
    if (earlier) {
      const first = events[earlier.index];
      if (earlier.hash !== event.contentHash && !sameContent(asContent(streamId, first), asContent(streamId, event))) {
        throw new DuplicateEventConflictError(event.source, event.eventId);
      }
      plan.push({ kind: 'batch', of: earlier.index });
      continue;
    }
    seen.set(key, { index, hash: event.contentHash });
    const existing = stored(event.source, event.eventId);
    if (existing) {
      if (existing.contentHash !== event.contentHash && !sameContent(existing.content(), asContent(streamId, event))) {
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

  abstract append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;

  abstract appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]>;

  /** Positions are bound as numbers on SQLite and as decimal text (BIGINT) on PostgreSQL. */
  protected abstract bindPosition(position: number): number | string;

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const after = options.afterVersion ?? 0;
    const rows =
      options.recordedUpTo === undefined
        ? await this.db.query<EventRow>(`${EVENT_SELECT} WHERE stream_id = $1 AND stream_version > $2 ORDER BY stream_version`, [streamId, after])
        : await this.db.query<EventRow>(
            `${EVENT_SELECT} WHERE stream_id = $1 AND stream_version > $2 AND recorded_time <= $3 ORDER BY stream_version`,
            [streamId, after, normaliseTime(options.recordedUpTo, 'recordedUpTo')],
          );
    return rows.map(rowToEvent);
  }

  async readAll(options: { after: Position | null; limit: number }): Promise<ReadAllPage> {
    const limit = Math.max(1, Math.floor(options.limit));
    const rows = await this.db.query<EventRow>(`${EVENT_SELECT} WHERE position > $1 ORDER BY position LIMIT $2`, [
      this.bindPosition(parsePosition(options.after)),
      limit,
    ]);
    const events = rows.map(rowToEvent);
    return { events, last: events.length > 0 ? events[events.length - 1].position : options.after };
  }

  async findEvent(source: string, eventId: string): Promise<StoredEvent | null> {
    const rows = await this.db.query<EventRow>(`${EVENT_SELECT} WHERE source = $1 AND event_id = $2`, [source, eventId]);
    return rows.length > 0 ? rowToEvent(rows[0]) : null;
  }

  async resolveIdentity(kind: string, value: string): Promise<string | null> {
    const rows = await this.db.query<{ stream_id: string }>('SELECT stream_id FROM identities WHERE kind = $1 AND value = $2', [kind, value]);
    return rows.length > 0 ? rows[0].stream_id : null;
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
