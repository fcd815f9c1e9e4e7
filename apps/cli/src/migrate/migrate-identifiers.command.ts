import type { Command } from 'commander';
import { loadConfig } from '../../../api/src/config/config';

export function registerMigrateIdentifiers(program: Command): void {
  program
    .command('migrate-identifiers')
    .description(
      'Converts a database written before identifiers were sealed: a data key per person, keyed hashes in the identity index, ' +
        'personnummer and dossier numbers sealed; then compacts the files. Resumable; the service also runs it at start',
    )
    .action(async () => {
      // cli-progress: a maintained progress bar (ETA, redraw on a TTY, quiet otherwise) rather than hand-drawn escapes.
      const { SingleBar, Presets } = await import('cli-progress');
      const { openRuntime, closeRuntime } = await import('../../../api/src/runtime/runtime');
      const bar = new SingleBar({ format: 'identifiers [{bar}] {value}/{total} persons, eta {eta_formatted}', noTTYOutput: true, notTTYSchedule: 5000 }, Presets.shades_classic);
      let started = false;
      const runtime = await openRuntime({ ...loadConfig(), projectionsInProcess: false }, {
        onMigrationProgress: (done, total) => {
          if (!started) {
            bar.start(total, done);
            started = true;
          } else bar.update(done);
        },
        log: (line) => process.stdout.write(`${line}\n`),
      });
      if (started) bar.stop();
      else process.stdout.write('identifiers: nothing to convert\n');
      await closeRuntime(runtime);
    });
}
