/**
 * The EventStore port. Every adapter (SQLite, PostgreSQL, later EventStoreDB) implements it and
 * passes the one contract suite in `contract/event-store.contract.ts`.
 *
 * Positions are opaque strings: callers store and hand them back, never do arithmetic on them,
 * so an EventStoreDB adapter can encode its commit/prepare pair in the same type.
 */

/** An opaque position in the global log. `null` means "before the first event". */
export type Position = string;

/**
 * `any`: no check. `no-stream`: the stream must not exist yet. A number: the stream's current
 * version must be exactly that (versions count from 1; an empty stream has version 0).
 */
export type ExpectedVersion = 'any' | 'no-stream' | number;

export interface EventMetadata {
  /** The actor code of the agency that reported the fact (token actor, or the `actor` attribute of an import). */
  readonly actor: string;
  /** The token subject (user or system) that posted it. */
  readonly postedBy?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly [key: string]: unknown;
}

export interface NewEvent {
  /** CloudEvents `id`; unique together with `source`. */
  readonly eventId: string;
  /** CloudEvents `source`. */
  readonly source: string;
  readonly type: string;
  /** When it happened (RFC 3339). */
  readonly eventTime: string;
  /**
   * When the reporting agency learned it (RFC 3339). Only imports carry their own; otherwise the
   * store uses its receipt time. As-of reads filter on this.
   */
  readonly recordedTime?: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: EventMetadata;
}

export interface StoredEvent {
  readonly position: Position;
  readonly streamId: string;
  /** 1-based version within its stream. */
  readonly streamVersion: number;
  readonly eventId: string;
  readonly source: string;
  readonly type: string;
  readonly eventTime: string;
  /** The agency's recorded time if imported with one, else the receipt time. ISO 8601 UTC. */
  readonly recordedTime: string;
  /** When this store received it. ISO 8601 UTC. */
  readonly receivedTime: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: EventMetadata;
}

/** The key an event is unique under. */
export interface EventKey {
  readonly source: string;
  readonly eventId: string;
}

/** The key of `resolveIdentities`' map for one identifier. */
export function identityMapKey(kind: string, value: string): string {
  return `${kind}\u0000${value}`;
}

/** An identifier claimed for a stream in the same transaction as an append (e.g. dossier, pnr). */
export interface IdentityClaim {
  readonly kind: string;
  readonly value: string;
}

export interface AppendOptions {
  readonly expectedVersion: ExpectedVersion;
  /** Identifiers to link to this stream atomically with the events; a clash fails the whole append. */
  readonly identities?: readonly IdentityClaim[];
}

export interface AppendOutcome {
  readonly eventId: string;
  readonly source: string;
  readonly status: 'recorded' | 'duplicate';
  /** Set for recorded events, and for duplicates (the original's position). */
  readonly position: Position;
  readonly streamVersion: number;
}

export interface AppendResult {
  readonly outcomes: readonly AppendOutcome[];
  /** The stream's version after the append. */
  readonly nextExpectedVersion: number;
}

export interface AppendManyOptions {
  /**
   * Resolve as soon as the transaction is committed, possibly before it is on disk (SQLite); the
   * caller must then await `sync()` before acknowledging any of it. Lets a writer decide and
   * commit its next transaction while the disk syncs this one. Stores whose commits are durable
   * when visible ignore it.
   */
  readonly deferSync?: boolean;
  /**
   * Every event must be new: if any (source, eventId) is stored already, even with identical
   * content, or repeats within the call, the call fails with EventAlreadyStoredError and writes
   * nothing. For a caller that decided the events as new without looking them up first, so that
   * the append's own duplicate check replaces a round trip; it looks them up and decides again
   * when this fails.
   */
  readonly newOnly?: boolean;
}

/** One stream's part of an `appendMany`. */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly options: AppendOptions;
}

/**
 * An event as projections read the global log: everything but `metadata` (who posted it, for
 * the audit trail), which no read model keeps; skipping it makes a rebuild's read cheaper.
 */
export type LogEvent = Omit<StoredEvent, 'metadata'>;

export interface ReadAllOptions {
  readonly after: Position | null;
  readonly limit: number;
}

export interface ReadAllPage<E extends LogEvent = StoredEvent> {
  readonly events: readonly E[];
  /** The position to pass as `after` for the next page (unchanged when the page is empty). */
  readonly last: Position | null;
}

export interface ReadStreamOptions {
  /** Only events recorded at or before this instant (RFC 3339). */
  readonly recordedUpTo?: string;
  /** Only events with streamVersion > this. */
  readonly afterVersion?: number;
}

export interface ReadStreamsOptions {
  /** Per stream id: only events with streamVersion > this. */
  readonly afterVersions?: ReadonlyMap<string, number>;
}

export interface Subscription {
  /** Resolves once the handler has returned for the last delivered batch. */
  stop(): Promise<void>;
  /** Resolves when the subscription has delivered everything up to the head as of the call. */
  caughtUp(): Promise<void>;
}

export interface SubscribeOptions {
  readonly after: Position | null;
  readonly batchSize?: number;
  /** Called with each batch in position order; the next batch waits for the returned promise. */
  readonly handler: (events: readonly StoredEvent[]) => Promise<void>;
  readonly onError?: (error: unknown) => void;
}

export interface EventStore {
  readonly kind: 'sqlite' | 'postgres' | 'eventstoredb';

  /**
   * Appends atomically to one stream. An event whose (source, eventId) is stored with identical
   * content (stream, type, eventTime, data) is a no-op reported as `duplicate`; with different
   * content the whole append fails with DuplicateEventConflictError. A version mismatch fails
   * with WrongExpectedVersionError; an identity claimed by another stream with
   * IdentityConflictError. Each new event's `source` is claimed for its `metadata.actor` in the
   * same transaction: the first actor to append with a source owns it, and an event with a source
   * another actor owns fails with SourceOwnedError. Nothing is written when it throws.
   */
  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;

  /**
   * Several `append`s (to distinct or repeated streams, applied in the order given) in one
   * transaction: all are written or, if any throws, none. Results in the same order.
   */
  appendMany(appends: readonly StreamAppend[], options?: AppendManyOptions): Promise<AppendResult[]>;

  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;

  /** Global log in position order, strictly after `after`. Never skips a committed event. */
  readAll(options: ReadAllOptions): Promise<ReadAllPage>;

  /**
   * `readAll` without the events' metadata, neither read nor decoded (see LogEvent): what
   * projections follow the log with. (A method of its own rather than an option of `readAll`,
   * whose overloads would leave the usual `after = page.last` loop without an inferable type.)
   */
  readAllWithoutMetadata(options: ReadAllOptions): Promise<ReadAllPage<LogEvent>>;

  /** Catch-up from `after`, then live, until stopped. */
  subscribeAll(options: SubscribeOptions): Subscription;

  /** The event stored under (source, eventId), if any. */
  findEvent(source: string, eventId: string): Promise<StoredEvent | null>;

  /** The stream an identifier is linked to, if any. */
  resolveIdentity(kind: string, value: string): Promise<string | null>;

  /**
   * `findEvent` for many keys in one query: the events stored under any of them, in position
   * order. Keys with no event are left out; repeated keys give one event.
   */
  findEvents(keys: readonly EventKey[]): Promise<StoredEvent[]>;

  /**
   * `resolveIdentity` for many identifiers in one query: a map from
   * `identityMapKey(kind, value)` (`${kind}\u0000${value}`) to the stream each is linked to.
   * Unlinked identifiers are absent.
   */
  resolveIdentities(claims: readonly IdentityClaim[]): Promise<Map<string, string>>;

  /** The actor owning each of `sources` (see `append`); sources nobody has appended with are absent. */
  resolveSourceOwners(sources: readonly string[]): Promise<Map<string, string>>;

  /**
   * `readStream` (whole streams) for many streams in one query: each requested id maps to its
   * events in version order, an empty array when the stream has none. A stream listed in
   * `afterVersions` gives only its events after that version (a reader holding a state folded up
   * to it learns, in the same query, whether the stream has moved on, without reading it again).
   */
  readStreams(streamIds: readonly string[], options?: ReadStreamsOptions): Promise<Map<string, StoredEvent[]>>;

  /** Position of the newest committed event, or null for an empty log. */
  headPosition(): Promise<Position | null>;

  /** How many events lie after `position` (for lag reporting); exact or a close estimate. */
  countAfter(position: Position | null): Promise<number>;

  /**
   * Resolves once everything the store has committed so far is durable. Appends already resolve
   * only after their own events are; call this before acknowledging something found by a read
   * (an event already recorded, say), which on SQLite may be visible a moment before it is on disk.
   */
  sync(): Promise<void>;
  close(): Promise<void>;
}
