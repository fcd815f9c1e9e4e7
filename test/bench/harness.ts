import os from 'node:os';

/** Work measured as one timed run; `prepare` (untimed) runs before each repetition. */
export interface Workload {
  /** How many events one run processes. */
  readonly events: number;
  readonly prepare?: () => Promise<void>;
  /**
   * The timed work. It may answer the seconds its own clock measured, for work run in another
   * process whose start-up is not part of what is measured (the ingest CLI); else the harness
   * times the call.
   */
  readonly run: () => Promise<void | { readonly seconds: number }>;
}

export interface BenchRow {
  readonly suite: string;
  readonly case: string;
  readonly eventsPerSecond: number;
  readonly baselinePerSecond?: number;
  /** The ratio the case should reach (e.g. 0.8), shown next to the measured one. */
  readonly target?: number;
}

export interface BenchContext {
  readonly repeats: number;
  /**
   * Measures the workload and its baseline `repeats` times each, alternating so that noise from
   * other processes hits both alike, and records the medians.
   */
  compare(caseName: string, workload: Workload, baseline?: Workload, target?: number): Promise<BenchRow>;
  /** Records a row the suite measured itself (e.g. per-request latencies interleaved with their baseline). */
  record(row: Omit<BenchRow, 'suite'>): BenchRow;
  log(message: string): void;
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<void>;
}

const suites: BenchSuite[] = [];

export function registerSuite(suite: BenchSuite): void {
  if (suites.some((existing) => existing.name === suite.name)) throw new Error(`bench suite ${suite.name} registered twice`);
  suites.push(suite);
}

export function registeredSuites(): readonly BenchSuite[] {
  return suites;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function timeOnce(workload: Workload): Promise<number> {
  await workload.prepare?.();
  const started = process.hrtime.bigint();
  const own = await workload.run();
  const seconds = own ? own.seconds : Number(process.hrtime.bigint() - started) / 1e9;
  return workload.events / seconds;
}

export async function runSuites(selected: readonly BenchSuite[], repeats: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const suite of selected) {
    const context: BenchContext = {
      repeats,
      log: (message) => process.stderr.write(`[${suite.name}] ${message}\n`),
      async compare(caseName, workload, baseline, target) {
        const measured: number[] = [];
        const baselines: number[] = [];
        for (let round = 0; round < repeats; round++) {
          measured.push(await timeOnce(workload));
          if (baseline) baselines.push(await timeOnce(baseline));
        }
        const row: BenchRow = {
          suite: suite.name,
          case: caseName,
          eventsPerSecond: median(measured),
          baselinePerSecond: baseline ? median(baselines) : undefined,
          target,
        };
        context.log(`${caseName}: ${formatRow(row).join('  ')}`);
        rows.push(row);
        return row;
      },
      record(measured) {
        const row: BenchRow = { suite: suite.name, ...measured };
        context.log(`${row.case}: ${formatRow(row).join('  ')}`);
        rows.push(row);
        return row;
      },
    };
    await suite.run(context);
  }
  return rows;
}

function formatNumber(value: number | undefined): string {
  return value === undefined ? '' : Math.round(value).toLocaleString('en-US');
}

function ratioOf(row: BenchRow): string {
  if (row.baselinePerSecond === undefined) return '';
  const ratio = `${Math.round((row.eventsPerSecond / row.baselinePerSecond) * 100)}%`;
  return row.target === undefined ? ratio : `${ratio} (target ≥ ${Math.round(row.target * 100)}%)`;
}

function formatRow(row: BenchRow): string[] {
  return [row.suite, row.case, formatNumber(row.eventsPerSecond), formatNumber(row.baselinePerSecond), ratioOf(row)];
}

const HEADER = ['suite', 'case', 'events/s (median)', 'baseline events/s (median)', 'ratio'];

export function textTable(rows: readonly BenchRow[]): string {
  const cells = [HEADER, ...rows.map(formatRow)];
  const widths = HEADER.map((_, column) => Math.max(...cells.map((line) => line[column].length)));
  return cells.map((line) => line.map((cell, column) => (column >= 2 && column <= 3 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ')).join('\n');
}

export function markdownTable(rows: readonly BenchRow[]): string {
  const lines = [`| ${HEADER.join(' | ')} |`, '|---|---|--:|--:|--:|', ...rows.map((row) => `| ${formatRow(row).join(' | ')} |`)];
  return lines.join('\n');
}

export function machineDescription(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}
