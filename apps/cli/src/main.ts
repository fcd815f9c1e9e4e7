import { Command, CommanderError } from 'commander';
import { productVersion } from '@kedja/operations';
import { ConfigError } from '../../api/src/config/config';
import { EXIT, UsageError } from './usage';
import { registerToken } from './token/token.command';
import { registerSimulate } from './simulate/simulate.command';
import { registerIngest } from './ingest/ingest.command';
import { registerDemo } from './demo/demo.command';
import { registerProjections } from './projections/projections.command';
import { registerEvaluate } from './evaluate/evaluate.command';
import { registerExport } from './export/export.command';

const program = new Command();
program
  .name('kedja')
  .description('Kedja: the event-sourced record of the reception and establishment chain.\nExit codes: 0 ok, 1 failure, 2 usage or configuration error.')
  .version(productVersion(), '-V, --version', 'print the version')
  .showHelpAfterError()
  // Commander's own usage errors (unknown option, missing argument) exit 2 like ours, not 1.
  .exitOverride();
registerToken(program);
registerSimulate(program);
registerIngest(program);
registerDemo(program);
registerProjections(program);
registerEvaluate(program);
registerExport(program);

for (const command of program.commands) command.exitOverride();

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // Help and --version end through here too, with exit code 0; commander printed the message.
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  const usage = error instanceof UsageError || error instanceof ConfigError;
  process.stderr.write(`kedja: ${usage && error instanceof ConfigError ? 'configuration error: ' : ''}${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(usage ? EXIT.usage : EXIT.failure);
});
