import type { Command } from 'commander';
import { loadConfig } from '../../../api/src/config/config';

export function registerCull(program: Command): void {
  program
    .command('cull')
    .description(
      'Culling (gallring) by the retention decision: audit records older than KEDJA_RETENTION_AUDIT (default 5y, at least 5y), ' +
        'and, if KEDJA_RETENTION_IDENTIFIERS is set (e.g. 10y), the identifiers of persons whose case closed longer ago than that. The service runs it daily',
    )
    .option('--dry-run', 'report what would be culled, change nothing', false)
    .action(async (options: { dryRun: boolean }) => {
      const { runCull } = await import('./cull');
      await runCull(loadConfig(), { dryRun: options.dryRun }, process.stdout);
    });
}
