import { DuplicateEventConflictError, EventAlreadyStoredError, IdentityConflictError, SourceOwnedError, WrongExpectedVersionError } from './errors';
import { AppendManyOptions, AppendOptions, AppendOutcome, AppendResult, IdentityClaim, StreamAppend } from './event-store.port';
import { runMigrations } from './sql/migrations';
import { APPEND_LOCK_KEY } from './sql/postgres-append-function';
import { binaryInt4Array, binaryTextArray } from './sql/postgres-binary-array';
import { PostgresDatabase, PostgresExecutor } from './sql/postgres-database';
import {
  EVENT_STORE_MIGRATION_NAME,
  EVENT_STORE_MIGRATIONS,
  PreparedEvent,
  SOURCE_OWNED_SQLSTATE,
  SqlEventStore,
  SqlEventStoreOptions,
  StoredKey,
  checkIdentityOwner,
  planAppend,
  prepareEvents,
} from './sql/sql-event-store';

export { APPEND_LOCK_KEY };

// The common case in one round trip (see CREATE_APPEND_FUNCTION); anything else falls back to the
// checking transaction below, which decides.
const FAST_APPEND_SQL = 'SELECT kedja_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) AS r';

/** A larger expected version can never match a stream (versions are INTEGER). */
const INT4_MAX = 2_147_483_647;

/**
 * Why appends are serialised by one transaction-level advisory lock:
 * a reader follows the log with `position > last`. If two transactions could draw positions
 * concurrently, the one holding 11 might commit before the one holding 10, and a reader that saw
 * 11 would move past 10 for ever. Taking the lock as the first statement after BEGIN, before any
 * position is drawn, means only one append at a time computes `head + 1` and writes. PostgreSQL
 * makes a commit visible (removes it from the proc array) before it releases the transaction's
 * locks, so the next append, which can only start after the release, reads the new head, and its
 * own commit becomes visible strictly later. Positions therefore become visible in order, and
 * `position > last` on any later snapshot misses nothing.
 * The lock must be its own statement: a statement's snapshot is taken when it starts, so a
 * `SELECT max(position)` in the same statement as the lock would read a stale head. (Inside
 * `kedja_append` each PL/pgSQL statement is one, with its own snapshot.)
 * Cost: appends do not run in parallel. The work under the lock is a few index lookups and one
 * insert; commit (WAL flush) dominates, and group commit still batches concurrent flushes.
 */
const BEGIN_APPEND = `BEGIN; SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`;

// LATERAL keeps the duplicate lookup a probe of the (source, event_id) index per new event: as a
// named statement this runs on a generic plan, which otherwise may pick a hash join that scans
// the whole table on every append.
const STATE_SQL = `
  SELECT s.head, s.version, d.source, d.event_id, d.position, d.stream_version,
         d.stream_id, d.type, d.event_time, d.data
  FROM (SELECT (SELECT max(position) FROM events) AS head,
               (SELECT max(stream_version) FROM events WHERE stream_id = $1) AS version) s
  LEFT JOIN (SELECT e.source, e.event_id, e.position, e.stream_version,
                    e.stream_id, e.type, e.event_time, e.data
             FROM unnest($2::text[], $3::text[]) AS k(source, event_id)
             CROSS JOIN LATERAL (SELECT * FROM events x WHERE x.source = k.source AND x.event_id = k.event_id) e) d ON true`;

const INSERT_SQL = `
  INSERT INTO events (position, stream_id, stream_version, event_id, source, type, event_time,
                      recorded_time, received_time, data, metadata, content_hash)
  SELECT $3::bigint + u.n, $1, $4::int + u.n, u.event_id, u.source, u.type, u.event_time,
         u.recorded_time, $2, u.data, u.metadata, ''
  FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       WITH ORDINALITY AS u(event_id, source, type, event_time, recorded_time, data, metadata, n)`;

const IDENTITY_OWNERS_SQL = `
  SELECT i.kind, i.stream_id FROM identities i
  JOIN unnest($1::text[], $2::text[]) AS k(kind, value) ON i.kind = k.kind AND i.value = k.value`;

const IDENTITY_CLAIM_SQL = `
  INSERT INTO identities (kind, value, stream_id, claimed_time)
  SELECT k.kind, k.value, $3, $4 FROM unnest($1::text[], $2::text[]) AS k(kind, value)
  ON CONFLICT (kind, value) DO NOTHING`;

interface StateRow {
  head: string | null;
  version: number | null;
  source: string | null;
  event_id: string | null;
  position: string | null;
  stream_version: number | null;
  stream_id: string | null;
  type: string | null;
  event_time: string | null;
  data: string | null;
}

export class PostgresEventStore extends SqlEventStore {
  readonly kind = 'postgres' as const;

  private constructor(
    override readonly db: PostgresDatabase,
    options: SqlEventStoreOptions,
  ) {
    super(db, options);
  }

  static async create(db: PostgresDatabase, options: SqlEventStoreOptions = {}): Promise<PostgresEventStore> {
    await runMigrations(db, EVENT_STORE_MIGRATION_NAME, EVENT_STORE_MIGRATIONS);
    return new PostgresEventStore(db, options);
  }

  async appendMany(appends: readonly StreamAppend[], options: AppendManyOptions = {}): Promise<AppendResult[]> {
    const now = new Date().toISOString();
    const newOnly = options.newOnly ?? false;
    const prepared = appends.map((entry) => ({ ...entry, prepared: prepareEvents(entry.streamId, entry.events, now) }));
    const fast = await this.appendInOneCall(prepared, now, newOnly);
    if (fast) {
      if (prepared.some((entry) => entry.prepared.length > 0)) this.notifyAppended();
      return fast;
    }
    return this.appendChecked(prepared, now, newOnly);
  }

  /** `kedja_append`, or undefined when the append needs the checking transaction. */
  private async appendInOneCall(
    appends: ReadonlyArray<StreamAppend & { prepared: readonly PreparedEvent[] }>,
    now: string,
    newOnly: boolean,
  ): Promise<AppendResult[] | undefined> {
    const streams: string[] = [];
    const expected: number[] = [];
    const counts: number[] = [];
    const owner: number[] = [];
    const eventIds: string[] = [];
    const sources: string[] = [];
    const types: string[] = [];
    const eventTimes: string[] = [];
    const recordedTimes: string[] = [];
    const data: string[] = [];
    const metadata: string[] = [];
    const claimAppend: number[] = [];
    const claimKinds: string[] = [];
    const claimValues: string[] = [];
    appends.forEach((entry, index) => {
      const version = entry.options.expectedVersion;
      streams.push(entry.streamId);
      expected.push(version === 'any' ? -1 : version === 'no-stream' ? 0 : version);
      counts.push(entry.prepared.length);
      for (const event of entry.prepared) {
        owner.push(index + 1);
        eventIds.push(event.eventId);
        sources.push(event.source);
        types.push(event.type);
        eventTimes.push(event.eventTime);
        recordedTimes.push(event.recordedTime);
        data.push(event.data);
        metadata.push(event.metadata);
      }
      for (const claim of entry.options.identities ?? []) {
        claimAppend.push(index + 1);
        claimKinds.push(claim.kind);
        claimValues.push(claim.value);
      }
    });
    // An expected version that is not an integer can never match; the checking path says so.
    if (expected.some((version) => !Number.isSafeInteger(version) || version < -1 || version > INT4_MAX)) return undefined;
    let rows: Array<{ r: Array<string | number> }>;
    try {
      rows = await this.db.queryNamed<{ r: Array<string | number> }>('kedja_es_append', FAST_APPEND_SQL, [
        now,
        streams,
        expected,
        counts,
        // The per-event columns as binary arrays: see postgres-binary-array.ts for why.
        binaryInt4Array(owner),
        binaryTextArray(eventIds),
        binaryTextArray(sources),
        binaryTextArray(types),
        binaryTextArray(eventTimes),
        binaryTextArray(recordedTimes),
        binaryTextArray(data),
        binaryTextArray(metadata),
        claimAppend,
        claimKinds,
        claimValues,
      ]);
    } catch (error) {
      const pgError = error as { code?: string; constraint?: string };
      if (pgError?.code === 'KJ001' || pgError?.code === 'KJ002') return undefined;
      if (pgError?.code === SOURCE_OWNED_SQLSTATE) throw new SourceOwnedError();
      if (pgError?.code === '23505' && pgError.constraint === 'events_source_event_id') {
        // The unique index names no event, but with newOnly any stored or repeated key is the
        // answer, so the checking transaction (four more round trips) has nothing to add.
        if (newOnly) throw new EventAlreadyStoredError();
        return undefined;
      }
      throw error;
    }
    const returned = rows[0].r;
    let position = Number(returned[0]);
    return appends.map((entry, index) => {
      const before = Number(returned[index + 1]);
      const outcomes: AppendOutcome[] = entry.prepared.map((event, place) => ({
        eventId: event.eventId,
        source: event.source,
        status: 'recorded',
        position: String(++position),
        streamVersion: before + place + 1,
      }));
      return { outcomes, nextExpectedVersion: before + entry.prepared.length };
    });
  }

  private async appendChecked(
    prepared: ReadonlyArray<StreamAppend & { prepared: readonly PreparedEvent[] }>,
    now: string,
    newOnly: boolean,
  ): Promise<AppendResult[]> {
    const failing = { streamId: '', current: 0 };
    try {
      const results = await this.db.transactionWith(async (tx) => {
        const done: AppendResult[] = [];
        for (const entry of prepared) {
          failing.streamId = entry.streamId;
          done.push(await this.appendInTransaction(tx, entry.streamId, entry.prepared, entry.options, now, failing, newOnly));
        }
        return done;
      }, BEGIN_APPEND);
      if (results.some((result) => result.outcomes.some((outcome) => outcome.status === 'recorded'))) this.notifyAppended();
      return results;
    } catch (error) {
      throw mapConstraint(error, failing.streamId, failing.current);
    }
  }

  private async appendInTransaction(
    tx: PostgresExecutor,
    streamId: string,
    prepared: readonly PreparedEvent[],
    options: AppendOptions,
    now: string,
    failing: { current: number },
    newOnly: boolean,
  ): Promise<AppendResult> {
    const identities = uniqueClaims(options.identities ?? []);
    const state = await tx.query<StateRow>(STATE_SQL, [
      streamId,
      prepared.map((event) => event.source),
      prepared.map((event) => event.eventId),
    ]);
    const current = state[0].version ?? 0;
    failing.current = current;
    const head = Number(state[0].head ?? 0);
    const stored = new Map<string, StoredKey>();
    for (const row of state) {
      if (row.source === null) continue;
      stored.set(`${row.source}\u0000${row.event_id}`, {
        position: Number(row.position),
        streamVersion: Number(row.stream_version),
        content: () => ({ streamId: row.stream_id ?? '', type: row.type ?? '', eventTime: row.event_time ?? '', data: row.data ?? 'null' }),
      });
    }
    const plan = planAppend(streamId, prepared, options.expectedVersion, current, head, (source, eventId) =>
      stored.get(`${source}\u0000${eventId}`), newOnly,
    );
    if (identities.length > 0) await this.claim(tx, streamId, identities, now);
    if (plan.toInsert.length > 0) {
      const rows = plan.toInsert;
      await tx.queryNamed('kedja_es_append_insert', INSERT_SQL, [
        streamId,
        now,
        String(head),
        current,
        binaryTextArray(rows.map((row) => row.eventId)),
        binaryTextArray(rows.map((row) => row.source)),
        binaryTextArray(rows.map((row) => row.type)),
        binaryTextArray(rows.map((row) => row.eventTime)),
        binaryTextArray(rows.map((row) => row.recordedTime)),
        binaryTextArray(rows.map((row) => row.data)),
        binaryTextArray(rows.map((row) => row.metadata)),
      ]);
    }
    return { outcomes: plan.outcomes, nextExpectedVersion: plan.nextExpectedVersion };
  }

  protected bindPosition(position: number): string {
    return String(position);
  }

  protected override queryFixed<T>(name: string, sql: string, params: readonly unknown[]): Promise<T[]> {
    return this.db.queryNamed<T>(name, sql, params);
  }

  protected override queryArrays<T extends unknown[]>(name: string, sql: string, params: readonly unknown[]): Promise<T[]> {
    return this.db.queryNamed<T>(name, sql, params, 'array');
  }

  private async claim(tx: PostgresExecutor, streamId: string, identities: readonly IdentityClaim[], now: string): Promise<void> {
    const kinds = identities.map((identity) => identity.kind);
    const values = identities.map((identity) => identity.value);
    const owners = await tx.queryNamed<{ kind: string; stream_id: string }>('kedja_es_identity_owners', IDENTITY_OWNERS_SQL, [kinds, values]);
    for (const owner of owners) checkIdentityOwner(streamId, owner.kind, owner.stream_id);
    await tx.queryNamed('kedja_es_identity_claim', IDENTITY_CLAIM_SQL, [kinds, values, streamId, now]);
  }
}

function uniqueClaims(claims: readonly IdentityClaim[]): IdentityClaim[] {
  const seen = new Map<string, IdentityClaim>();
  for (const claim of claims) seen.set(`${claim.kind}\u0000${claim.value}`, claim);
  return [...seen.values()];
}

/** The unique indexes back up the checks made under the lock; they should never fire. */
function mapConstraint(error: unknown, streamId: string, current: number): unknown {
  const pgError = error as { code?: string; constraint?: string };
  if (pgError?.code === SOURCE_OWNED_SQLSTATE) return new SourceOwnedError();
  if (pgError?.code !== '23505') return error;
  if (pgError.constraint === 'events_source_event_id') return new DuplicateEventConflictError('', '');
  if (pgError.constraint === 'events_stream_version' || pgError.constraint === 'events_pkey') {
    return new WrongExpectedVersionError(streamId, 'any', current);
  }
  if (pgError.constraint === 'identities_pkey') return new IdentityConflictError('', '');
  return error;
}
