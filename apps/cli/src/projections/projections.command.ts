import * as fs from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../usage';
import { Presets, SingleBar } from 'cli-progress';
import { PROJECTIONS, ProjectionRunner, ensureProjectionSchema, type Projection, type ProjectionStatus, type RebuildProgress } from '@kedja/projections';
import { loadConfig } from '../../../api/src/config/config';
import { openStoreFromConfig } from '../../../projector/src/open-store';

/** How often a non-terminal stderr gets a progress line. */
const PLAIN_PROGRESS_MS = 2000;

export function registerProjections(program: Command, projections: readonly Projection[] = PROJECTIONS): void {
  const group = program.command('projections').description('Inspect and rebuild the read models kept by the projection runner');

  group
    .command('status')
    .description('One line per projection: active generation, events applied, lag behind the log, whether a process applies it')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      // Looking must not create: opening a missing SQLite file would make an empty store and
      // report it as if it were the real one (a wrong KEDJA_DATA_DIR looked like "nothing built").
      if (config.store.kind === 'sqlite' && !fs.existsSync(config.store.file)) {
        throw new Error(`no store at ${config.store.file}: KEDJA_DATA_DIR (${config.dataDir}) holds no Kedja data; point it at the server's data directory`);
      }
      const { store, db } = await openStoreFromConfig(config);
      try {
        await ensureProjectionSchema(db);
        const statuses = await new ProjectionRunner(store, db, projections, { log: () => undefined }).status();
        process.stdout.write(options.json ? `${JSON.stringify(statuses, null, 2)}\n` : statusTable(statuses, projections));
      } finally {
        await store.close();
      }
    });

  group
    .command('rebuild')
    .description(
      'Replay the whole log into a fresh generation of a projection and swap it in; the current tables keep serving meanwhile. ' +
        'A running projector carries the request out; otherwise this command does.',
    )
    .argument('[name]', 'the projection to rebuild')
    .option('--all', 'rebuild every projection, one after the other')
    .action(async (name: string | undefined, options: { all?: boolean }) => {
      if (!name && !options.all) throw new UsageError(`name a projection or pass --all (projections: ${known(projections)})`);
      if (name && options.all) throw new UsageError('pass either a name or --all, not both');
      const selected = options.all ? [...projections] : projections.filter((projection) => projection.name === name);
      if (selected.length === 0) throw new UsageError(options.all ? 'no projections are registered' : `unknown projection "${name}" (projections: ${known(projections)})`);
      const { store, db } = await openStoreFromConfig(loadConfig());
      const runner = new ProjectionRunner(store, db, selected, { log: () => undefined, onError: (failed, error) => progressLine(`${failed}: ${message(error)}; retrying`) });
      try {
        await runner.start();
        for (const projection of selected) {
          const started = Date.now();
          const reporter = progressReporter(projection.name);
          let result: { generation: number };
          try {
            result = await runner.rebuild(projection.name, { onProgress: reporter.update });
          } finally {
            reporter.stop();
          }
          const [status] = (await runner.status()).filter((s) => s.name === projection.name);
          const seconds = (Date.now() - started) / 1000;
          const rate = status && seconds > 0 ? Math.round(status.applied / seconds) : 0;
          process.stderr.write(`${projection.name}: generation ${result.generation} active, ${status?.applied ?? 0} events in ${seconds.toFixed(1)} s (${rate}/s)\n`);
        }
      } finally {
        await runner.stop();
        await store.close();
      }
    });
}

function known(projections: readonly Projection[]): string {
  return projections.length === 0 ? 'none registered' : projections.map((projection) => projection.name).join(', ');
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function progressLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

function progressReporter(name: string): { update: (progress: RebuildProgress) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: `${name} [{bar}] {percentage}% | {value}/{total} events | {rate}/s | eta {eta_formatted}`, stream: process.stderr, hideCursor: true },
      Presets.shades_classic,
    );
    const started = Date.now();
    let running = false;
    return {
      update: (progress) => {
        const rate = Math.round(progress.done / Math.max(0.001, (Date.now() - started) / 1000));
        if (!running) {
          bar.start(Math.max(progress.total, 1), progress.done, { rate });
          running = true;
        }
        bar.setTotal(Math.max(progress.total, 1));
        bar.update(progress.done, { rate });
      },
      stop: () => {
        if (running) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update: (progress) => {
      const finished = progress.done >= progress.total;
      if (!finished && Date.now() - last < PLAIN_PROGRESS_MS) return;
      last = Date.now();
      const percent = progress.total > 0 ? Math.floor((100 * progress.done) / progress.total) : 100;
      progressLine(`${name}: ${progress.done}/${progress.total} events (${percent}%)`);
    },
    stop: () => undefined,
  };
}

export function statusTable(statuses: readonly ProjectionStatus[], projections: readonly Projection[]): string {
  const byName = new Map(statuses.map((status) => [status.name, status]));
  const header = ['name', 'generation', 'applied', 'lag', 'running', 'rebuild'];
  const rows = projections.map((projection) => {
    const status = byName.get(projection.name);
    // Generation 0: no runner has built it yet (its lag is then the whole log).
    if (!status || status.generation === 0) return [projection.name, '-', '-', status ? String(status.lag) : '-', status?.running ? 'yes' : 'no', 'not built yet'];
    const rebuild = status.rebuild ? `g${status.rebuild.generation} ${status.rebuild.done}/${status.rebuild.total}` : '';
    return [
      status.name,
      String(status.generation),
      String(status.applied),
      String(status.lag),
      status.running ? 'yes' : 'no',
      status.error ? `${rebuild}${rebuild ? ' ' : ''}error: ${status.error}` : rebuild,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const format = (row: string[]) => `${row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()}\n`;
  return [header, ...rows].map(format).join('');
}
