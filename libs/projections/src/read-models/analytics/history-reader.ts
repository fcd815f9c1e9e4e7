import type { SqlExecutor } from '@kedja/event-store';
import type { AnalyticsEvent, PersonHistory } from '@kedja/analytics';
import { ANALYTICS_TYPE_CODES, KEPT_FIELDS, RETRACTED_CODE, type CompactEntry } from './codes';
import { FactsView } from './facts';

// Every event of a person gets its index as id, so ids repeat across people: intern them once
// instead of allocating a string per event of 200,000 people.
const IDS: string[] = [];
function idOf(i: number): string {
  let id = IDS[i];
  if (id === undefined) {
    for (let k = IDS.length; k <= i; k++) IDS.push(String(k));
    id = IDS[i];
  }
  return id;
}

const NO_DATA: Readonly<Record<string, unknown>> = Object.freeze({});
const SOURCE = '';

/** The library's view of one compact history (see analytics-histories.ts for the encoding). */
export function decodeHistory(personId: string, history: readonly CompactEntry[], only?: ReadonlySet<string>): PersonHistory {
  const events: AnalyticsEvent[] = [];
  for (let i = 0; i < history.length; i++) {
    const entry = history[i];
    const code = entry[0];
    const type = typeof code === 'number' ? ANALYTICS_TYPE_CODES[code] : (code as string);
    if (only !== undefined && !only.has(type)) continue;
    const time = entry[1] as string;
    const recorded = entry[2];
    let data = NO_DATA;
    if (code === RETRACTED_CODE) {
      data = { eventId: idOf(entry[3] as number) };
    } else if (entry.length > 3) {
      const fields = KEPT_FIELDS[type] ?? [];
      const d: Record<string, unknown> = {};
      for (let f = 0; f < fields.length; f++) if (entry[3 + f] !== null) d[fields[f]] = entry[3 + f];
      data = d;
    }
    events.push({ eventId: idOf(i), source: SOURCE, type, time, recordedTime: recorded === 0 ? time : (recorded as string), data });
  }
  return { personId, events };
}

export interface HistoryReaderOptions {
  /** Rows per query; large pages amortise the round trip, small ones bound memory. */
  readonly pageSize?: number;
  /**
   * Decode only these types (retractions are always kept). Ids stay the positions in the full
   * history, so a kept retraction still names its target; the analysis of one query reads a few
   * types, and skipping the rest saves most of the decoding.
   */
  readonly types?: Iterable<string>;
}

/**
 * Every person's history from the projection table, one page of decoded histories at a time,
 * paged by person id (the primary key, so each page is an index range scan, not an OFFSET). The
 * next page is fetched while the caller works on this one. Pages rather than single people keep
 * the per-person cost at a plain loop iteration instead of an await.
 */
export async function* readAnalyticsPages(db: SqlExecutor, table: string, options: HistoryReaderOptions = {}): AsyncGenerator<PersonHistory[]> {
  const pageSize = options.pageSize ?? 5000;
  const only = options.types === undefined ? undefined : new Set([...options.types, 'EventRetracted']);
  const fetch = (after: string | null) =>
    after === null
      ? db.query<{ person_id: string; history: string }>(`SELECT person_id, history FROM ${table} ORDER BY person_id LIMIT $1`, [pageSize])
      : db.query<{ person_id: string; history: string }>(`SELECT person_id, history FROM ${table} WHERE person_id > $1 ORDER BY person_id LIMIT $2`, [after, pageSize]);
  let next = fetch(null);
  for (;;) {
    const rows = await next;
    if (rows.length === pageSize) next = fetch(rows[rows.length - 1].person_id);
    const page: PersonHistory[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) page[i] = decodeHistory(rows[i].person_id, JSON.parse(rows[i].history) as CompactEntry[], only);
    if (page.length > 0) yield page;
    if (rows.length < pageSize) return;
  }
}

/**
 * Every person's facts (facts.ts), each handed to `visit` through one reused FactsView: no JSON,
 * no object per event. `visit` must not keep the view. Time-to-event reads this; exports, which
 * need the reported times, read the JSON histories.
 *
 * Each page is one row: the store joins the page's facts with newlines (which facts never
 * contain: control characters in kept strings are JSON-escaped), because a driver returns one
 * long string far faster than thousands of short ones. Order does not matter to the analysis,
 * so SQLite pages by rowid: one sequential pass over the table. By person id it would be an index
 * lookup per person, scattered over the table when people were inserted out of id order (as the
 * projection inserts them, in order of first event): 0.74 s of CPU instead of 0.18 s for 200,000
 * people. PostgreSQL pages by person id.
 */
export async function visitAnalyticsFacts(db: SqlExecutor, table: string, visit: (facts: FactsView) => void, pageSize = 5000): Promise<void> {
  const view = new FactsView();
  const key = db.dialect === 'postgres' ? 'person_id' : 'rowid';
  const joined = db.dialect === 'postgres' ? `string_agg(facts, chr(10) ORDER BY k)` : `group_concat(facts, char(10))`;
  const fetch = async (after: string | number | null) => {
    const page =
      after === null
        ? `SELECT ${key} AS k, facts FROM ${table} ORDER BY ${key} LIMIT $1`
        : `SELECT ${key} AS k, facts FROM ${table} WHERE ${key} > $2 ORDER BY ${key} LIMIT $1`;
    const [row] = await db.query<{ last: string | number | null; n: number | string; facts: string | null }>(
      `SELECT max(k) AS last, count(*) AS n, ${joined} AS facts FROM (${page}) AS page`,
      after === null ? [pageSize] : [pageSize, after],
    );
    return { last: row?.last ?? null, n: Number(row?.n ?? 0), facts: row?.facts ?? '' };
  };
  let next = fetch(null);
  for (;;) {
    const { last, n, facts } = await next;
    if (n === pageSize) next = fetch(last);
    let start = 0;
    for (let k = 0; k < n; k++) {
      let end = facts.indexOf('\n', start);
      if (end < 0) end = facts.length;
      visit(view.reset(facts, start, end));
      start = end + 1;
    }
    if (n < pageSize) return;
  }
}

/** True for the error of reading facts from a table of projection version 1, which has none. */
export function isMissingFactsColumn(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : '';
  return /\bfacts\b/.test(message) && (e.code === '42703' || /no such column/i.test(message));
}

/** The same, one person at a time, for the library's `Histories` parameter. */
export async function* readAnalyticsHistories(db: SqlExecutor, table: string, options: HistoryReaderOptions = {}): AsyncGenerator<PersonHistory> {
  for await (const page of readAnalyticsPages(db, table, options)) yield* page;
}

/** Person ids in the projection, paged like the histories (for exports that read the log per person). */
export async function* readAnalyticsPersonIds(db: SqlExecutor, table: string, pageSize = 1000): AsyncGenerator<string[]> {
  let after: string | null = null;
  for (;;) {
    const rows: Array<{ person_id: string }> =
      after === null
        ? await db.query<{ person_id: string }>(`SELECT person_id FROM ${table} ORDER BY person_id LIMIT $1`, [pageSize])
        : await db.query<{ person_id: string }>(`SELECT person_id FROM ${table} WHERE person_id > $1 ORDER BY person_id LIMIT $2`, [after, pageSize]);
    if (rows.length > 0) yield rows.map((r) => r.person_id);
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].person_id;
  }
}
