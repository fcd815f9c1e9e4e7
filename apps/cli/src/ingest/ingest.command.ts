import type { Command } from 'commander';
import { createReadStream, statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { formatSummary, ingest, writeAll, type IngestSummary } from './ingest';

interface IngestFlags {
  direct?: boolean;
  url: string;
  token?: string;
  batch: string;
  concurrency: string;
  attempts: string;
}

function positive(name: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new Error(`--${name} must be a whole number from 1 to ${max}`);
  return n;
}

/** A bar on a terminal; on a pipe or log file, a plain line every few seconds instead. */
function progressReporter(totalBytes: number | undefined): { update: (s: IngestSummary) => void; stop: (s: IngestSummary) => void } {
  const started = Date.now();
  const rate = (s: IngestSummary) => Math.round((s.recorded + s.duplicates + s.rejected) / Math.max(0.001, (Date.now() - started) / 1000));
  const payload = (s: IngestSummary) => ({ recorded: s.recorded, duplicates: s.duplicates, rejected: s.rejected + s.failed, rate: rate(s) });
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: totalBytes
        ? 'ingest [{bar}] {percentage}% | {recorded} recorded, {duplicates} duplicate, {rejected} rejected | {rate} events/s | eta {eta_formatted}'
        : 'ingest {recorded} recorded, {duplicates} duplicate, {rejected} rejected | {rate} events/s',
      hideCursor: true,
    });
    bar.start(totalBytes ?? 1, 0, payload({ recorded: 0, duplicates: 0, rejected: 0, failed: 0 } as IngestSummary));
    return {
      update: (s) => bar.update(Math.min(s.bytes, totalBytes ?? 1), payload(s)),
      stop: (s) => {
        bar.update(totalBytes ?? 1, payload(s));
        bar.stop();
      },
    };
  }
  let last = 0;
  const line = (s: IngestSummary) => {
    const p = payload(s);
    const share = totalBytes ? ` ${Math.floor((100 * s.bytes) / totalBytes)}%` : '';
    process.stderr.write(`ingest:${share} ${p.recorded} recorded, ${p.duplicates} duplicate, ${p.rejected} rejected, ${p.rate} events/s\n`);
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
    .option('--attempts <n>', 'attempts per batch on network errors, 429 and 5xx', '8')
    .option('--direct', 'load straight into the local store of this configuration (KEDJA_DATA_DIR / DATABASE_URL), through the same validation and rules, without HTTP')
    .action(async (file: string, flags: IngestFlags) => {
      if (flags.direct) return ingestDirectly(file);
      const token = flags.token ?? process.env.KEDJA_TOKEN;
      const input = file === '-' ? process.stdin : createReadStream(file);
      const totalBytes = file === '-' ? undefined : statSync(file).size;
      const progress = progressReporter(totalBytes);
      let summary: IngestSummary | undefined;
      let latest: IngestSummary | undefined;
      const began = Date.now();
      try {
        summary = await ingest({
          input,
          url: flags.url,
          token,
          batchSize: positive('batch', flags.batch, 1000),
          concurrency: positive('concurrency', flags.concurrency, 64),
          attempts: positive('attempts', flags.attempts, 100),
          onProgress: (s) => {
            latest = s;
            progress.update(s);
          },
        });
      } finally {
        // Also on a fatal error, so the terminal gets its cursor back.
        progress.stop(summary ?? latest ?? { read: 0, bytes: 0, recorded: 0, duplicates: 0, rejected: 0, failed: 0, invalidLines: 0, problems: new Map(), failures: new Map(), retries: 0 });
      }
      await writeAll(process.stdout, formatSummary(summary, Date.now() - began));
      if (summary.rejected > 0 || summary.failed > 0 || summary.invalidLines > 0) process.exitCode = 1;
    });
}

/** `--direct`: the platform imports on behalf of the agencies, as over HTTP, into the local store. */
async function ingestDirectly(file: string): Promise<void> {
  const { loadConfig } = await import('../../../api/src/config/config');
  const { openRuntime, closeRuntime } = await import('../../../api/src/runtime/runtime');
  const { ingestDirect } = await import('../../../api/src/recording/direct-ingest');
  const config = loadConfig({ ...process.env, KEDJA_PROJECTIONS_IN_PROCESS: 'false' });
  const runtime = await openRuntime(config);
  const started = Date.now();
  let last = 0;
  try {
    const input = file === '-' ? process.stdin : createReadStream(file);
    const summary = await ingestDirect(runtime.store, runtime.personalData, input, {
      batchSize: 1000,
      onProgress: (s) => {
        if (Date.now() - last < 5000) return;
        last = Date.now();
        process.stderr.write(`ingest: ${s.recorded} recorded, ${s.duplicates} duplicate, ${s.rejected} rejected, ${Math.round(s.read / Math.max(0.001, (Date.now() - started) / 1000))} events/s\n`);
      },
    });
    const problems = [...summary.problems].map(([code, n]) => `  ${code}: ${n}`).join('\n');
    await writeAll(process.stdout, `events read    ${summary.read}\nrecorded       ${summary.recorded}\nduplicates     ${summary.duplicates}\nrejected       ${summary.rejected}\n${problems ? `${problems}\n` : ''}invalid lines  ${summary.invalidLines}\n`);
    if (summary.rejected > 0 || summary.invalidLines > 0) process.exitCode = 1;
  } finally {
    await closeRuntime(runtime);
  }
}
