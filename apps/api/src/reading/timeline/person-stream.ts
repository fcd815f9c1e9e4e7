import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PostgresDatabase, SqliteDatabase, type SqlDatabase } from '@kedja/event-store';
import { WorkerThread } from '../../core/worker-thread';
import { KEDJA_RUNTIME } from '../../runtime/tokens';
import type { KedjaRuntime } from '../../runtime/runtime';
import type { ActorRef } from '@kedja/access';
import type { TimelineItem } from '../person-record';
import { DATA_KEY_KIND } from '@kedja/personal-data';
import { renderTimeline } from './timeline-render';

/** A person's stream as timeline items in timeline order, with the person id the subject named. */
export interface PersonStream {
  readonly personId: string;
  /** Event time, ties by recording order (stream version); possibly empty (asOf before the first recording). */
  readonly items: TimelineItem[];
  /** The person's wrapped data key; null once erased. */
  readonly dataKey: string | null;
}

/*
 * Why the reading side queries the store's tables itself instead of `resolveIdentity` then
 * `readStream`: that is two statements (two round trips on PostgreSQL) returning every column of
 * every row as an object, each row's data and metadata decoded on its own, and then re-shaped and
 * re-sorted here. Profiles of timeline reads under load put that at a quarter of the request.
 * One statement resolves the subject and folds the stream into one JSON array, already in
 * timeline order and already shaped as the response's items, decoded with one JSON.parse.
 *
 * Timeline order in SQL: the store keeps event_time and recorded_time in one canonical UTC form
 * (`YYYY-MM-DDTHH:MM:SS.sssZ`, normalised on every append), so comparing them as text (binary
 * collation, "C" on PostgreSQL) is comparing the instants; ties go to the stream version, i.e.
 * recording order. `asOf` compares recorded_time the same way, as `readStream`'s `recordedUpTo` does.
 * The item keys and their order are the response's (CONTRACT.md "Reading"); `postedBy` is the
 * reporting agency the recorder writes into the metadata as `actor`. `data_key`: the person's
 * wrapped data key, in the same statement (an index probe), null once erased.
 *
 * `value` is the identifier as the index stores it: the keyed hash of a dossier number or
 * personnummer (PersonalData.index), a person id as it is.
 */
const SQLITE_ITEMS = (asOf: boolean) => `
  SELECT i.stream_id AS person_id,
    (SELECT json_group_array(json_object(
              'id', e.event_id, 'source', e.source, 'type', e.type, 'time', e.event_time,
              'recordedAt', e.recorded_time, 'postedBy', e.metadata ->> '$.actor', 'data', json(e.data))
              ORDER BY e.event_time, e.stream_version)
       FROM events e
      WHERE e.stream_id = i.stream_id AND e.stream_version > 0${asOf ? ' AND e.recorded_time <= $3' : ''}) AS items,
    (SELECT k.value FROM identities k WHERE k.stream_id = i.stream_id AND k.kind = '${DATA_KEY_KIND}') AS data_key
  FROM identities i
  WHERE i.kind = $1 AND i.value = $2`;

// `asText`: the items as JSON text, for the render thread, instead of decoded by the driver.
const POSTGRES_ITEMS = (asOf: boolean, asText = false) => `
  SELECT i.stream_id AS person_id,
    (SELECT json_agg(json_build_object(
              'id', e.event_id, 'source', e.source, 'type', e.type, 'time', e.event_time,
              'recordedAt', e.recorded_time, 'postedBy', e.metadata::json ->> 'actor', 'data', e.data::json)
              ORDER BY e.event_time COLLATE "C", e.stream_version)
       FROM events e
      WHERE e.stream_id = i.stream_id AND e.stream_version > 0${asOf ? ' AND e.recorded_time COLLATE "C" <= $3' : ''})${asText ? '::text' : ''} AS items,
    (SELECT k.value FROM identities k WHERE k.stream_id = i.stream_id AND k.kind = '${DATA_KEY_KIND}') AS data_key
  FROM identities i
  WHERE i.kind = $1 AND i.value = $2`;

const SQLITE_NOW = SQLITE_ITEMS(false);
const SQLITE_AS_OF = SQLITE_ITEMS(true);
const POSTGRES_NOW = POSTGRES_ITEMS(false);
const POSTGRES_AS_OF = POSTGRES_ITEMS(true);
const POSTGRES_TEXT_NOW = POSTGRES_ITEMS(false, true);
const POSTGRES_TEXT_AS_OF = POSTGRES_ITEMS(true, true);

interface Row {
  readonly person_id: string;
  /** SQLite: the JSON text; PostgreSQL: decoded by the driver (json type), null for no rows. */
  readonly items: string | TimelineItem[] | null;
  readonly data_key: string | null;
}

/**
 * Reads the person a subject names with their events as timeline items, or null when no person
 * has that identifier. `recordedUpTo` (canonical UTC) leaves out what was recorded after it.
 */
export async function readPersonStream(db: SqlDatabase, kind: string, value: string, recordedUpTo?: string): Promise<PersonStream | null> {
  const asOf = recordedUpTo !== undefined;
  const params = asOf ? [kind, value, recordedUpTo] : [kind, value];
  let rows: Row[];
  if (db instanceof PostgresDatabase) {
    // Named: parsed and planned once per connection.
    rows = await db.queryNamed<Row>(asOf ? 'kedja_timeline_as_of' : 'kedja_timeline', asOf ? POSTGRES_AS_OF : POSTGRES_NOW, params);
  } else {
    rows = await db.query<Row>(asOf ? SQLITE_AS_OF : SQLITE_NOW, params);
  }
  if (rows.length === 0) return null;
  const { person_id: personId, items, data_key: dataKey } = rows[0];
  return { personId, items: items === null ? [] : typeof items === 'string' ? (JSON.parse(items) as TimelineItem[]) : items, dataKey: dataKey ?? null };
}

/** A timeline read: the person the subject names and, unless out of scope, the answer's JSON text. */
export interface RenderedTimeline {
  readonly personId: string;
  /** `{ personId, summary, events }` as sent (see renderTimeline); null: out of the actor's scope. */
  readonly json: string | null;
}

interface ThreadRequest {
  readonly kind: string;
  readonly value: string;
  readonly actor: ActorRef;
  readonly asOf?: string;
}

interface RenderRequest {
  readonly actor: ActorRef;
  readonly personId: string;
  /** The items as JSON text (null: none). */
  readonly items: string | null;
  readonly erased: boolean;
}

// Runs in the render thread (PostgreSQL): the answer from the items the statement returned as text.
const RENDER_SETUP = `
  if (options.render.register) require(options.render.register);
  const { renderTimeline } = require(options.render.file);
  return (r) => renderTimeline(r.actor, r.personId, r.items === null ? [] : JSON.parse(r.items), r.erased);
`;

// Runs in the reader thread (see WorkerThread): the same statements, with named parameters, and
// the answer made there too (renderTimeline, loaded as the main thread loads it).
const READER_SETUP = `
  if (options.render.register) require(options.render.register);
  const { renderTimeline } = require(options.render.file);
  db.pragma('query_only = ON');
  const now = db.prepare(options.now).raw(true);
  const asOf = db.prepare(options.asOf).raw(true);
  return (r) => {
    const row = r.asOf === undefined ? now.get({ kind: r.kind, value: r.value }) : asOf.get({ kind: r.kind, value: r.value, asOf: r.asOf });
    if (row === undefined) return null;
    return [row[0], renderTimeline(r.actor, row[0], row[1] === null ? [] : JSON.parse(row[1]), row[2] === null), row[2]];
  };
`;
const named = (sql: string) => sql.replace('$1', '@kind').replace('$2', '@value').replace('$3', '@asOf');

/**
 * Timeline reads. On a SQLite file the statement runs on a second connection in a worker thread,
 * and so does making the answer from its rows (decoding the items, the visibility policy, the
 * summary, the JSON text): profiles put the two at over a third of a read's CPU, and the event loop,
 * the busiest thread under load, serves other requests meanwhile. A reader connection sees what
 * was committed before its statement, as the store's own connection does outside a transaction.
 * On PostgreSQL the statement runs on the pool and the answer is made on a render thread from the
 * items as text. Elsewhere (in-memory SQLite, a dead thread) it all runs on the event loop.
 */
@Injectable()
export class PersonStreams implements OnModuleInit, OnApplicationShutdown {
  private thread: WorkerThread<ThreadRequest, [string, string | null, string | null] | null> | null = null;
  private renderer: WorkerThread<RenderRequest, string | null> | null = null;

  constructor(@Inject(KEDJA_RUNTIME) private readonly runtime: KedjaRuntime) {}

  onModuleInit(): void {
    const db = this.runtime.db;
    if (db instanceof SqliteDatabase) {
      this.thread = WorkerThread.onSqlite(db, 'timeline reader', READER_SETUP, {
        now: named(SQLITE_NOW),
        asOf: named(SQLITE_AS_OF),
        render: WorkerThread.workerModule(require.resolve('./timeline-render')),
      });
    } else if (db instanceof PostgresDatabase) {
      this.renderer = WorkerThread.plain('timeline renderer', RENDER_SETUP, { render: WorkerThread.workerModule(require.resolve('./timeline-render')) });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.thread?.close();
    await this.renderer?.close();
    this.thread = null;
    this.renderer = null;
  }

  /**
   * The person `kind`/`value` names, with the timeline `actor` may see of them (as known at
   * `recordedUpTo`, canonical UTC, when given), or null when no person has that identifier.
   */
  async read(kind: string, value: string, actor: ActorRef, recordedUpTo?: string): Promise<RenderedTimeline | null> {
    const db = this.runtime.db;
    if (this.renderer?.usable && db instanceof PostgresDatabase) {
      // The statement on the pool, the answer made on the render thread from the items' text.
      const asOf = recordedUpTo !== undefined;
      const [row] = await db.queryNamed<{ person_id: string; items: string | null; data_key: string | null }>(
        asOf ? 'kedja_timeline_text_as_of' : 'kedja_timeline_text', asOf ? POSTGRES_TEXT_AS_OF : POSTGRES_TEXT_NOW, asOf ? [kind, value, recordedUpTo] : [kind, value],
      );
      if (row === undefined) {
        // An unknown subject takes the same trip through the render thread as a person out of the
        // caller's scope, so that the two 404s cannot be told apart by their timing (Amendments v1.1).
        await this.renderer.run({ actor, personId: '', items: null, erased: false });
        return null;
      }
      const json = await this.renderer.run({ actor, personId: row.person_id, items: row.items, erased: row.data_key === null });
      return { personId: row.person_id, json: await this.unseal(row.person_id, json, row.data_key) };
    }
    if (!this.thread?.usable) {
      const stream = await readPersonStream(this.runtime.db, kind, value, recordedUpTo);
      if (stream === null) return null;
      const json = renderTimeline(actor, stream.personId, stream.items, stream.dataKey === null);
      return { personId: stream.personId, json: await this.unseal(stream.personId, json, stream.dataKey) };
    }
    const row = await this.thread.run(recordedUpTo === undefined ? { kind, value, actor } : { kind, value, actor, asOf: recordedUpTo });
    return row && { personId: row[0], json: await this.unseal(row[0], row[1], row[2]) };
  }

  /**
   * Opens the sealed identifiers left in an answer, which are only those the actor may see (the
   * policy dropped the others before): one cached key unwrap per person, no round trip.
   */
  private async unseal(personId: string, json: string | null, dataKey: string | null): Promise<string | null> {
    if (json === null || dataKey === null || !json.includes('"pd1.')) return json;
    const personalData = this.runtime.personalData;
    return personalData.unsealJson(await personalData.unwrap(personId, dataKey), personId, json);
  }
}
