import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { csvSink, exportEvents, parquetSink, timeToEvent, TimeToEventAccumulator, type PersonHistory, type TimeToEventQuery } from '@kedja/analytics';
import { openEventStore, type OpenedEventStore } from '@kedja/event-store';
import { stories } from '@kedja/simulator';
import { analyticsHistoriesProjection, analyticsTableDdl, appendToRow, readAnalyticsPages, upsertAnalyticsRows, type AnalyticsRow } from '../../apps/api/src/analytics/histories/projection';
import { timeToEventFromProjection, typesRead } from '../../apps/api/src/analytics/time-to-event/run';
import { registerSuite, type BenchContext } from './harness';

/**
 * Time-to-event and exports over a simulated population, read from the analytics projection's
 * table on SQLite. The rows are built from the simulator's stories with the projection's own
 * `appendToRow` (the same encoding the runner writes) rather than by ingesting and projecting
 * the log, which would take most of an hour for 200,000 people and measure other suites' code.
 * The table is kept in the temporary directory between runs (KEDJA_BENCH_ANALYTICS_REBUILD=1
 * makes it again; the file name carries the projection's version). KEDJA_BENCH_ANALYTICS_EXPORTS=0
 * leaves out the export rows (the Parquet one takes minutes).
 *
 * Seconds-based figures go through the harness as rates: "people/s" for time-to-event (seconds =
 * people ÷ rate), "rows/s" for exports. The seconds are logged next to them.
 */
const PERSONS = Number(process.env.KEDJA_BENCH_ANALYTICS_PERSONS ?? 200_000);
const SEED = 2016;
const TABLE = 'analytics_histories_bench';
const QUERY: TimeToEventQuery = { from: 'ResidencePermitGranted', to: ['EmploymentStarted', 'BusinessStarted'], cohort: { year: [2015, 2016, 2017] }, groupBy: 'gender' };
const NOW = '2026-11-01T00:00:00Z';
const TARGET_SECONDS = 2;
// What the v1 path decoded for this query: the types the api's time-to-event reads.
const JSON_PATH_TYPES = typesRead(QUERY);

function expect(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

async function buildTable(opened: OpenedEventStore, context: BenchContext): Promise<void> {
  const { db } = opened;
  await db.execute(`DROP TABLE IF EXISTS ${TABLE}`);
  await db.execute(analyticsTableDdl(TABLE));
  const started = Date.now();
  let batch: Array<[string, AnalyticsRow]> = [];
  let persons = 0;
  let events = 0;
  const flush = async () => {
    const rows = batch;
    batch = [];
    await db.transaction((tx) => upsertAnalyticsRows(tx, TABLE, rows));
  };
  for (const story of stories({ persons: PERSONS, seed: SEED })) {
    const row: AnalyticsRow = { history: [], keys: [] };
    for (const { event } of story.events) {
      appendToRow(row, { eventId: event.id, source: event.source, type: event.type, time: event.time, recordedTime: event.recordedtime, data: event.data });
      events++;
    }
    // Zero-padded like nothing in particular: the reader pages by the primary key, whatever its form.
    batch.push([`person-${String(persons).padStart(7, '0')}`, row]);
    persons++;
    if (batch.length >= 5000) await flush();
  }
  await flush();
  context.log(`built ${persons} rows from ${events} simulated events in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function loadAll(opened: OpenedEventStore): Promise<PersonHistory[]> {
  const all: PersonHistory[] = [];
  for await (const page of readAnalyticsPages(opened.db, TABLE)) for (const h of page) all.push(h);
  return all;
}

const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

registerSuite({
  name: 'analytics',
  description: 'time-to-event and exports over a simulated population from the analytics projection table (SQLite)',
  async run(context) {
    const dir = path.join(os.tmpdir(), 'kedja-bench-analytics');
    fs.mkdirSync(dir, { recursive: true });
    // The suffix follows the projection's version: a new encoding gets a new file.
    const file = path.join(dir, `histories-${PERSONS}-${SEED}-v${analyticsHistoriesProjection.version}.sqlite`);
    const fresh = !fs.existsSync(file) || process.env.KEDJA_BENCH_ANALYTICS_REBUILD === '1';
    if (fresh) fs.rmSync(file, { force: true });
    const opened = await openEventStore({ kind: 'sqlite', file, synchronous: 'NORMAL' });
    try {
      if (fresh) await buildTable(opened, context);
      const [{ n }] = await opened.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${TABLE}`);
      const people = Number(n);

      const seconds = (rate: number, count: number) => `${(count / rate).toFixed(2)} s`;
      // Baseline: the way before the facts table (projection v1), still what episode exports read:
      // the JSON histories, decoded to event objects for the types the query uses.
      const viaJson = async () => {
        const acc = new TimeToEventAccumulator(QUERY, NOW);
        for await (const page of readAnalyticsPages(opened.db, TABLE, { types: JSON_PATH_TYPES })) for (const h of page) acc.add(h);
        return acc.result();
      };
      const endToEnd = await context.compare(
        'time-to-event, load + compute (people/s)',
        { events: people, run: async () => void (await timeToEventFromProjection(opened.db, TABLE, QUERY, NOW)) },
        { events: people, run: async () => void (await viaJson()) },
      );
      context.log(
        `time-to-event end to end over ${people} people: ${seconds(endToEnd.eventsPerSecond, people)} from the facts table, ` +
          `${seconds(endToEnd.baselinePerSecond!, people)} from the JSON histories (medians of ${context.repeats}, no warm-up; target < ${TARGET_SECONDS} s)`,
      );
      expect(JSON.stringify(await timeToEventFromProjection(opened.db, TABLE, QUERY, NOW)) === JSON.stringify(await viaJson()), 'the facts table and the JSON histories disagree');
      // The same question with competing exits (Aalen–Johansen per group and cause) and the log-rank test.
      const competing: TimeToEventQuery = { ...QUERY, competing: ['left-sweden', 'EducationStarted', 'citizenship'] };
      const withCompeting = await context.compare('time-to-event with competing exits, load + compute (people/s)', {
        events: people,
        run: async () => void (await timeToEventFromProjection(opened.db, TABLE, competing, NOW)),
      });
      context.log(`time-to-event with competing exits over ${people} people: ${seconds(withCompeting.eventsPerSecond, people)} (target < ${TARGET_SECONDS} s)`);

      const histories = await loadAll(opened);
      const rows = histories.reduce((sum, h) => sum + h.events.length, 0);
      const compute = await context.compare('time-to-event, compute alone (people/s)', {
        events: people,
        run: async () => {
          await timeToEvent(histories, QUERY, NOW);
        },
      });
      context.log(`time-to-event compute alone: ${seconds(compute.eventsPerSecond, people)}`);
      const result = await timeToEvent(histories, QUERY, NOW);
      context.log(`answer: ${result.groups.map((g) => `${JSON.stringify(g.key)} n=${g.n} events=${g.events} median=${g.median}`).join('; ')}`);

      if (process.env.KEDJA_BENCH_ANALYTICS_EXPORTS === '0') return;
      const visibleRows = (await exportEvents(histories, csvSink(discard()), { now: NOW })).rows;
      context.log(`${rows} stored events, ${visibleRows} exported rows (retracted and health facts left out)`);
      const csv = await context.compare('export events to CSV (rows/s)', {
        events: visibleRows,
        run: async () => {
          await exportEvents(histories, csvSink(discard()), { now: NOW });
        },
      });
      context.log(`CSV export: ${seconds(csv.eventsPerSecond, visibleRows)}`);
      const parquetFile = path.join(dir, 'events.parquet');
      const pq = await context.compare('export events to Parquet (rows/s)', {
        events: visibleRows,
        run: async () => {
          await exportEvents(histories, parquetSink(fs.createWriteStream(parquetFile)), { now: NOW });
        },
      });
      context.log(`Parquet export: ${seconds(pq.eventsPerSecond, visibleRows)}, ${(fs.statSync(parquetFile).size / 2 ** 20).toFixed(0)} MiB`);
      fs.rmSync(parquetFile, { force: true });
    } finally {
      await opened.store.close();
    }
  },
});
