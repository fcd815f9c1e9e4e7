import * as fs from 'node:fs';
import { PassThrough, type Writable } from 'node:stream';
import {
  csvSink,
  exportEpisodes,
  exportEvents,
  parquetSink,
  type AnalyticsEvent,
  type ExportSummary,
  type PersonHistory,
  type TableSink,
} from '@kedja/analytics';
import type { EventStore, SqlExecutor } from '@kedja/event-store';
import type { KedjaConfig } from '../../../api/src/config/config';
import { parseAsOfInput } from '../../../api/src/analytics/time-to-event/query';
import { readAnalyticsHistories, readAnalyticsPersonIds } from '../../../api/src/analytics/histories/projection';
import { openAnalyticsSource } from '../evaluate/analytics-source';
import { queryFromOptions, UsageError } from '../evaluate/evaluate';

export interface ExportCommandOptions {
  readonly format?: string;
  readonly kind?: string;
  readonly from?: string;
  readonly to?: readonly string[];
  readonly cohort?: readonly string[];
  readonly asOf?: string;
  readonly out?: string;
}

/**
 * Every event of every person read back from the log, people paged from the analytics projection:
 * an event export carries all of an event's data (redacted by the library), which the projection,
 * keeping only what the analysis needs, does not have.
 */
async function* logHistories(store: EventStore, db: SqlExecutor, table: string): AsyncGenerator<PersonHistory> {
  for await (const ids of readAnalyticsPersonIds(db, table, 500)) {
    const streams = await store.readStreams(ids);
    for (const personId of ids) {
      const events: AnalyticsEvent[] = (streams.get(personId) ?? []).map((e) => ({
        eventId: e.eventId,
        source: e.source,
        type: e.type,
        time: e.eventTime,
        recordedTime: e.recordedTime,
        data: e.data,
      }));
      yield { personId, events };
    }
  }
}

function checkedOptions(options: ExportCommandOptions, nowMs: number) {
  const format = options.format;
  if (format !== 'csv' && format !== 'parquet') throw new UsageError('--format must be csv or parquet');
  const kind = options.kind ?? 'events';
  if (kind !== 'events' && kind !== 'episodes') throw new UsageError('--kind must be events or episodes');
  if (format === 'parquet' && !options.out) throw new UsageError('--format parquet needs --out FILE (Parquet is not written to a terminal)');
  let asOf: string | undefined;
  if (options.asOf !== undefined) {
    const parsed = parseAsOfInput(options.asOf);
    if (parsed === null) throw new UsageError('--as-of must be an RFC 3339 time with offset or a date (YYYY-MM-DD)');
    asOf = Date.parse(parsed) > nowMs ? new Date(nowMs).toISOString() : parsed;
  }
  if (kind === 'events' && (options.from || (options.to && options.to.length > 0) || (options.cohort && options.cohort.length > 0))) {
    throw new UsageError('--from, --to and --cohort apply to --kind episodes only');
  }
  const episodeQuery =
    kind === 'episodes'
      ? (() => {
          if (!options.from || !options.to || options.to.length === 0) throw new UsageError('--kind episodes needs --from and --to');
          const q = queryFromOptions({ from: options.from, to: options.to, cohort: options.cohort, asOf: options.asOf }, nowMs);
          return { from: q.from, to: q.to, cohort: q.cohort };
        })()
      : null;
  return { format, kind, asOf, episodeQuery };
}

/**
 * Writes a pseudonymised export to `stdout` or `--out`. The pseudonym key is drawn fresh inside
 * the library for every export and never leaves it, so two exports cannot be linked.
 */
export async function runExport(config: KedjaConfig, options: ExportCommandOptions, stdout: Writable, nowMs = Date.now()): Promise<ExportSummary> {
  const { format, asOf, episodeQuery } = checkedOptions(options, nowMs);
  const source = await openAnalyticsSource(config);
  let out: Writable;
  if (options.out) out = fs.createWriteStream(options.out);
  else {
    // The sink ends its stream when done; process.stdout must stay open, so it gets a pipe.
    const pipe = new PassThrough();
    pipe.pipe(stdout, { end: false });
    out = pipe;
  }
  const sink: TableSink = format === 'csv' ? csvSink(out) : parquetSink(out);
  const exportOptions = { now: new Date(nowMs).toISOString(), ...(asOf !== undefined ? { asOf } : {}) };
  try {
    return episodeQuery
      ? await exportEpisodes(readAnalyticsHistories(source.opened.db, source.table), episodeQuery, sink, exportOptions)
      : await exportEvents(logHistories(source.opened.store, source.opened.db, source.table), sink, exportOptions);
  } finally {
    await source.close();
  }
}
