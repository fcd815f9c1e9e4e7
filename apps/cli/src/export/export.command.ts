import type { Command } from 'commander';
import { loadConfig } from '../../../api/src/config/config';
import type { ExportCommandOptions } from './export';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerExport(program: Command): void {
  program
    .command('export')
    .description(
      'Pseudonymised export for analysts\' own tools: one row per event, or one per episode. A fresh pseudonym key per export ' +
        '(never printed); no dossier numbers, personnummer, organisation numbers, event ids or health facts',
    )
    .requiredOption('--format <format>', 'csv or parquet')
    .option('--kind <kind>', 'events or episodes', 'events')
    .option('--from <type>', 'episodes: event type that starts the clock')
    .option('--to <type>', 'episodes: event type that stops it; repeatable', collect)
    .option('--cohort <key=value>', 'episodes: filter as in evaluate; repeatable', collect)
    .option('--as-of <time>', 'what was known then: RFC 3339 with offset, or YYYY-MM-DD (end of that day, UTC); default now')
    .option('--out <file>', 'write here instead of standard output (required for parquet)')
    .action(async (options: ExportCommandOptions) => {
      // Loaded on use: the analytics and Parquet code would slow every other command's start.
      const { runExport } = await import('./export');
      const summary = await runExport(loadConfig(), options, process.stdout);
      process.stderr.write(`exported ${summary.rows} rows about ${summary.persons} people\n`);
    });
}
