import type { Command } from 'commander';
import { createReadStream, statSync } from 'node:fs';
import * as path from 'node:path';
import { SingleBar } from 'cli-progress';
import { formatSummary, ingest, writeAll, type IngestSummary } from './ingest';
import { UsageError } from '../usage';

interface IngestFlags {
  direct?: boolean;
  url: string;
  token?: string;
  batch: string;
  concurrency: string;
  attempts: string;
  connectTimeout: string;
  timeout: string;
}

function positive(name: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}`);
  return n;
}

/** What both ingest paths report as they go. */
export interface Progress {
  readonly bytes: number;
  readonly recorded: number;
  readonly duplicates: number;
  /** Events the service refused (each with its problem). */
  readonly rejected: number;
  /** Events in batches that could not be delivered at all. */
  readonly failed: number;
}

/**
 * A bar on a terminal; on a pipe or log file, a plain line every few seconds instead. Events the
 * service refused and events never delivered are counted apart, by those names, as in the summary.
 */
export function progressReporter(totalBytes: number | undefined, stream: NodeJS.WriteStream = process.stderr): { update: (s: Progress) => void; stop: (s: Progress) => void } {
  const started = Date.now();
  const rate = (s: Progress) => Math.round((s.recorded + s.duplicates + s.rejected) / Math.max(0.001, (Date.now() - started) / 1000));
  const payload = (s: Progress) => ({ recorded: s.recorded, duplicates: s.duplicates, rejected: s.rejected, failed: s.failed, rate: rate(s) });
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: totalBytes
        ? 'ingest [{bar}] {percentage}% | {recorded} recorded, {duplicates} duplicate, {rejected} rejected, {failed} failed | {rate} events/s | eta {eta_formatted}'
        : 'ingest {recorded} recorded, {duplicates} duplicate, {rejected} rejected, {failed} failed | {rate} events/s',
      hideCursor: true,
    });
    bar.start(totalBytes ?? 1, 0, payload({ bytes: 0, recorded: 0, duplicates: 0, rejected: 0, failed: 0 }));
    return {
      update: (s) => bar.update(Math.min(s.bytes, totalBytes ?? 1), payload(s)),
      stop: (s) => {
        bar.update(totalBytes ?? 1, payload(s));
        bar.stop();
      },
    };
  }
  let last = 0;
  const line = (s: Progress) => {
    const p = payload(s);
    const share = totalBytes ? ` ${Math.floor((100 * s.bytes) / totalBytes)}%` : '';
    stream.write(`ingest:${share} ${p.recorded} recorded, ${p.duplicates} duplicate, ${p.rejected} rejected, ${p.failed} failed, ${p.rate} events/s\n`);
  };
  return {
    update: (s) => {
      if (Date.now() - last < 5000) return;
      last = Date.now();
      line(s);
    },
    stop: line,
  };
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('Post an NDJSON feed of CloudEvents (a file, or - for stdin) to the service in batches; prints a summary')
    .argument('<file>', 'NDJSON file, or - for standard input')
    .option('--url <url>', 'base URL of the service', 'http://127.0.0.1:3000')
    .option('--token <token>', 'bearer token (default: $KEDJA_TOKEN); importing history needs actor platform, role admin')
    .option('--batch <n>', 'events per request (the service takes up to 1,000)', '500')
    .option('--concurrency <n>', 'requests in flight; one person\'s events always go in order', '4')
    .option('--attempts <n>', 'attempts per batch on network errors, 429 and 5xx; a service that does not answer after these stops the run', '8')
    .option('--connect-timeout <seconds>', 'how long to wait for a connection to the service', '5')
    .option('--timeout <seconds>', 'how long to wait for the answer to one batch', '120')
    .option('--direct', 'load straight into the local store of this configuration (KEDJA_DATA_DIR / DATABASE_URL), through the same validation and rules, without HTTP')
    .action(async (file: string, flags: IngestFlags) => {
      if (flags.direct) return ingestDirectly(file);
      const token = flags.token ?? process.env.KEDJA_TOKEN;
      const batchSize = positive('batch', flags.batch, 1000);
      const concurrency = positive('concurrency', flags.concurrency, 64);
      const attempts = positive('attempts', flags.attempts, 100);
      const connectTimeoutMs = positive('connect-timeout', flags.connectTimeout, 600) * 1000;
      const responseTimeoutMs = positive('timeout', flags.timeout, 3600) * 1000;
      const totalBytes = fileSize(file);
      const input = file === '-' ? process.stdin : createReadStream(file);
      const progress = progressReporter(totalBytes);
      let summary: IngestSummary | undefined;
      let latest: IngestSummary | undefined;
      const began = Date.now();
      try {
        summary = await ingest({
          input,
          url: flags.url,
          token,
          batchSize,
          concurrency,
          attempts,
          connectTimeoutMs,
          responseTimeoutMs,
          dataDir: path.resolve(process.env.KEDJA_DATA_DIR || process.env.DATA_DIR || './data'),
          onProgress: (s) => {
            latest = s;
            progress.update(s);
          },
        });
      } finally {
        // Also on a fatal error, so the terminal gets its cursor back.
        progress.stop(summary ?? latest ?? { bytes: 0, recorded: 0, duplicates: 0, rejected: 0, failed: 0 });
      }
      await writeAll(process.stdout, formatSummary(summary, Date.now() - began));
      if (summary.rejected > 0 || summary.failed > 0 || summary.invalidLines > 0) process.exitCode = 1;
    });
}

function fileSize(file: string): number | undefined {
  if (file === '-') return undefined;
  try {
    return statSync(file).size;
  } catch {
    throw new UsageError(`cannot read ${file}: no such file`);
  }
}

/** `--direct`: the platform imports on behalf of the agencies, as over HTTP, into the local store. */
async function ingestDirectly(file: string): Promise<void> {
  const totalBytes = fileSize(file);
  const { loadConfig } = await import('../../../api/src/config/config');
  const { openRuntime, closeRuntime } = await import('../../../api/src/runtime/runtime');
  const { ingestDirect } = await import('../../../api/src/recording/direct-ingest');
  const config = loadConfig({ ...process.env, KEDJA_PROJECTIONS_IN_PROCESS: 'false' });
  const runtime = await openRuntime(config);
  const progress = progressReporter(totalBytes);
  let latest: Progress = { bytes: 0, recorded: 0, duplicates: 0, rejected: 0, failed: 0 };
  try {
    const input = file === '-' ? process.stdin : createReadStream(file);
    let summary;
    try {
      summary = await ingestDirect(runtime.store, input, {
        batchSize: 1000,
        onProgress: (s) => {
          latest = { bytes: s.bytes, recorded: s.recorded, duplicates: s.duplicates, rejected: s.rejected, failed: 0 };
          progress.update(latest);
        },
      });
    } finally {
      progress.stop(latest);
    }
    const problems = [...summary.problems].map(([code, n]) => `  ${code}: ${n}`).join('\n');
    await writeAll(process.stdout, `events read    ${summary.read}\nrecorded       ${summary.recorded}\nduplicates     ${summary.duplicates}\nrejected       ${summary.rejected}\n${problems ? `${problems}\n` : ''}invalid lines  ${summary.invalidLines}\n`);
    if (summary.rejected > 0 || summary.invalidLines > 0) process.exitCode = 1;
  } finally {
    await closeRuntime(runtime);
  }
}
