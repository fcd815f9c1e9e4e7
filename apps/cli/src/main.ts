import { Command } from 'commander';
import { registerToken } from './token/token.command';
import { registerSimulate } from './simulate/simulate.command';
import { registerIngest } from './ingest/ingest.command';
import { registerDemo } from './demo/demo.command';
import { registerProjections } from './projections/projections.command';
import { registerEvaluate } from './evaluate/evaluate.command';
import { registerExport } from './export/export.command';
import { registerCull } from './cull/cull.command';
import { registerMigrateIdentifiers } from './migrate/migrate-identifiers.command';
import { registerKeys } from './keys/keys.command';

const program = new Command();
program.name('kedja').description('Kedja: the event-sourced record of the reception and establishment chain').showHelpAfterError();
registerToken(program);
registerSimulate(program);
registerIngest(program);
registerDemo(program);
registerProjections(program);
registerEvaluate(program);
registerExport(program);
registerCull(program);
registerMigrateIdentifiers(program);
registerKeys(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`kedja: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
