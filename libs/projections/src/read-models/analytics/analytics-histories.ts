import { hash } from 'node:crypto';
import { parseTime } from '@kedja/analytics';
import { binaryTextArray, type LogEvent, type SqlDialect, type SqlExecutor } from '@kedja/event-store';
import type { Projection, ProjectionBuilder } from '../../projection';
import { CODE_OF, KEPT_FIELDS, RETRACTED_CODE, type CompactEntry } from './codes';
import { encodeFacts } from './facts';

export { ANALYTICS_TYPE_CODES, CODE_OF, KEPT_FIELDS, RETRACTED_CODE, type CompactEntry } from './codes';

/** Never kept: health facts are special category data that no analysis may use. */
export function isAnalyticsExcluded(type: string): boolean {
  return type.startsWith('HealthExamination');
}

export interface AnalyticsRow {
  readonly history: CompactEntry[];
  /** Parallel to `history`: a short hash of (source, eventId), to find a later retraction's target. */
  readonly keys: string[];
}

export function eventKey(source: string, eventId: string): string {
  // The one-shot `hash` (no Hash object per event: a twentieth of a rebuild went to making them).
  return hash('sha1', `${source}\u0000${eventId}`, 'base64').slice(0, 12);
}

export interface AnalyticsInput {
  readonly eventId: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly recordedTime: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The row after one more event, in recording order; mutates and returns `row`. */
export function appendToRow(row: AnalyticsRow, e: AnalyticsInput): AnalyticsRow {
  if (isAnalyticsExcluded(e.type)) return row;
  const code = CODE_OF.get(e.type);
  const entry: CompactEntry = [code ?? e.type, e.time, e.recordedTime === e.time ? 0 : e.recordedTime];
  if (code === RETRACTED_CODE) {
    const target = row.keys.indexOf(eventKey(e.source, String(e.data.eventId)));
    // The target is a dropped health fact (or was never this person's): nothing to retract here.
    if (target < 0) return row;
    entry.push(target);
  } else {
    for (const field of KEPT_FIELDS[e.type] ?? []) {
      const v = e.data[field];
      entry.push(typeof v === 'string' || typeof v === 'number' ? v : null);
    }
  }
  row.history.push(entry);
  row.keys.push(eventKey(e.source, e.eventId));
  return row;
}

export const ANALYTICS_PROJECTION_NAME = 'analytics_histories';
export const ANALYTICS_TABLE = 'analytics_histories';

/**
 * `facts` (facts.ts) is what time-to-event reads; `history` and `keys` are the fold's state and
 * what exports read. One table rather than two: a second table would double the pages each
 * batch writes (the projection's commits cost about twice as much), for a faster scan that the
 * query does not need.
 */
export function analyticsTableDdl(table: string): string {
  return `CREATE TABLE ${table} (person_id TEXT PRIMARY KEY, facts TEXT NOT NULL, history TEXT NOT NULL, keys TEXT NOT NULL)`;
}

/**
 * Inserts or replaces people's rows. The facts are derived from the history here, so they cannot
 * drift from it. SQLite: 1000 people a statement. PostgreSQL, where each statement is a round
 * trip: 2000 a statement, as one binary text array per column (`unnest`), so the SQL stays short
 * and the same and the JSON needs no escaping; the next chunk is encoded while the server
 * inserts the last.
 */
export async function upsertAnalyticsRows(
  tx: SqlExecutor,
  table: string,
  rows: ReadonlyArray<readonly [string, AnalyticsRow]>,
  /** None of the rows is in the table yet: plain inserts, without an upsert's conflict check per row. */
  allNew = false,
): Promise<void> {
  const conflict = allNew ? '' : 'ON CONFLICT (person_id) DO UPDATE SET facts = excluded.facts, history = excluded.history, keys = excluded.keys';
  if (tx.dialect === 'postgres') {
    const sql = `INSERT INTO ${table} (person_id, facts, history, keys) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ${conflict}`;
    let running: Promise<unknown> | undefined;
    for (let i = 0; i < rows.length; i += 2000) {
      const chunk = rows.slice(i, i + 2000);
      const params = [
        binaryTextArray(chunk.map(([id]) => id)),
        binaryTextArray(chunk.map(([, row]) => encodeFacts(row.history, parseTime))),
        binaryTextArray(chunk.map(([, row]) => JSON.stringify(row.history))),
        binaryTextArray(chunk.map(([, row]) => JSON.stringify(row.keys))),
      ];
      await running;
      running = tx.execute(sql, params);
      // Awaited before the next chunk (or after the last); this only keeps a failure from counting
      // as unhandled if encoding the next chunk throws first.
      running.catch(() => undefined);
    }
    await running;
    return;
  }
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await tx.execute(
      `INSERT INTO ${table} (person_id, facts, history, keys) VALUES ${chunk.map((_, r) => `($${4 * r + 1}, $${4 * r + 2}, $${4 * r + 3}, $${4 * r + 4})`).join(', ')} ${conflict}`,
      chunk.flatMap(([id, row]) => [id, encodeFacts(row.history, parseTime), JSON.stringify(row.history), JSON.stringify(row.keys)]),
    );
  }
}

/** How many people a rebuild holds in memory (a few hundred bytes each) before it reads and upserts rows as `apply` does. */
export const ANALYTICS_BUILDER_MAX_PERSONS = 500_000;

export interface AnalyticsHistoriesOptions {
  /** See ANALYTICS_BUILDER_MAX_PERSONS (tests lower it). */
  readonly builderMaxPersons?: number;
}

/**
 * One row per person with everything time-to-event analysis and exports of episodes need, in a
 * form that loads fast for hundreds of thousands of people: retracted events and retractions are
 * kept (not applied), because an as-of report must see a retraction only from when it was
 * recorded.
 */
export function analyticsHistories(options: AnalyticsHistoriesOptions = {}): Projection {
  const maxPersons = options.builderMaxPersons ?? ANALYTICS_BUILDER_MAX_PERSONS;
  return {
    name: ANALYTICS_PROJECTION_NAME,
    // 2: the facts column (facts.ts) that time-to-event reads instead of the JSON histories.
    version: 2,
    tables: [ANALYTICS_TABLE],
    handles: 'all',
    createTables(physical: Readonly<Record<string, string>>, _dialect: SqlDialect): string[] {
      return [analyticsTableDdl(physical[ANALYTICS_TABLE])];
    },
    apply: applyAnalytics,
    openBuilder(physical: Readonly<Record<string, string>>, _dialect: SqlDialect, fresh: boolean): ProjectionBuilder {
      return new AnalyticsBuilder(physical, fresh ? maxPersons : 0);
    },
  };
}

export const analyticsHistoriesProjection: Projection = analyticsHistories();

async function applyAnalytics(tx: SqlExecutor, physical: Readonly<Record<string, string>>, events: readonly LogEvent[]): Promise<void> {
  const t = physical[ANALYTICS_TABLE];
  const byPerson = new Map<string, LogEvent[]>();
  for (const e of events) {
    if (isAnalyticsExcluded(e.type)) continue;
    const list = byPerson.get(e.streamId);
    if (list) list.push(e);
    else byPerson.set(e.streamId, [e]);
  }
  // One read of the batch's rows and multi-row upserts: on PostgreSQL each statement is a round trip.
  const ids = [...byPerson.keys()];
  const stored = new Map<string, AnalyticsRow>();
  type Stored = { person_id: string; history: string; keys: string };
  const keep = (found: readonly Stored[]) => {
    for (const f of found) stored.set(f.person_id, { history: JSON.parse(f.history) as CompactEntry[], keys: JSON.parse(f.keys) as string[] });
  };
  if (tx.dialect === 'postgres') {
    keep(await tx.query<Stored>(`SELECT person_id, history, keys FROM ${t} WHERE person_id = ANY($1::text[])`, [ids]));
  } else {
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      keep(await tx.query<Stored>(`SELECT person_id, history, keys FROM ${t} WHERE person_id IN (${chunk.map((_, k) => `$${k + 1}`).join(', ')})`, chunk));
    }
  }
  const changed: Array<[string, AnalyticsRow]> = [];
  for (const [personId, personEvents] of byPerson) {
    const row: AnalyticsRow = stored.get(personId) ?? { history: [], keys: [] };
    for (const e of personEvents) appendToRow(row, inputOf(e));
    if (row.history.length > 0) changed.push([personId, row]);
  }
  await upsertAnalyticsRows(tx, t, changed, stored.size === 0);
}

function inputOf(e: LogEvent): AnalyticsInput {
  return { eventId: e.eventId, source: e.source, type: e.type, time: e.eventTime, recordedTime: e.recordedTime, data: e.data };
}

interface HeldRow {
  readonly row: AnalyticsRow;
  dirty: boolean;
  /** Has a row in the table (so an upsert, not an insert). */
  written: boolean;
}

/**
 * Fills a fresh generation: every person's row stays in memory across the rebuild's transactions,
 * so each event is folded as it is read (the runner need not keep the events until the commit)
 * and each changed row is written once per transaction, never read back. Opened on a table that
 * already holds rows (a resumed rebuild), or once it holds more people than it may, it does what
 * `apply` does with the events of each transaction: read their people's rows and upsert them.
 */
class AnalyticsBuilder implements ProjectionBuilder {
  private readonly held = new Map<string, HeldRow>();
  private dirty: Array<[string, HeldRow]> = [];
  /** Events for `apply` at the next write, once the builder holds nothing. */
  private pending: LogEvent[] = [];

  constructor(
    private readonly physical: Readonly<Record<string, string>>,
    /** 0: hold nobody (the table was not fresh). */
    private maxPersons: number,
  ) {}

  add(events: readonly LogEvent[]): void {
    if (this.maxPersons === 0) {
      for (const e of events) this.pending.push(e);
      return;
    }
    for (const e of events) {
      if (isAnalyticsExcluded(e.type)) continue;
      let held = this.held.get(e.streamId);
      if (!held) this.held.set(e.streamId, (held = { row: { history: [], keys: [] }, dirty: false, written: false }));
      const before = held.row.history.length;
      appendToRow(held.row, inputOf(e));
      if (held.row.history.length !== before && !held.dirty) {
        held.dirty = true;
        this.dirty.push([e.streamId, held]);
      }
    }
  }

  async write(tx: SqlExecutor): Promise<void> {
    const table = this.physical[ANALYTICS_TABLE];
    if (this.pending.length > 0) await applyAnalytics(tx, this.physical, this.pending);
    const fresh: Array<[string, AnalyticsRow]> = [];
    const known: Array<[string, AnalyticsRow]> = [];
    for (const [personId, held] of this.dirty) (held.written ? known : fresh).push([personId, held.row]);
    await upsertAnalyticsRows(tx, table, fresh, true);
    await upsertAnalyticsRows(tx, table, known, false);
  }

  committed(): void {
    for (const [, held] of this.dirty) {
      held.dirty = false;
      held.written = true;
    }
    this.dirty = [];
    this.pending = [];
    if (this.held.size > this.maxPersons) {
      // Everyone held is written; from here on the table is read as `apply` reads it.
      this.held.clear();
      this.maxPersons = 0;
    }
  }
}
