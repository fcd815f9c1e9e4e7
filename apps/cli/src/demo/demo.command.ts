import type { Command } from 'commander';
import { UsageError } from '../usage';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Create a fresh data directory with simulated people, start the service on it, and print tokens for the main actors')
    .option('--persons <n>', 'how many people to simulate', '3000')
    .option('--seed <n>', 'simulation seed', '1')
    .option('--port <port>', 'port to listen on', process.env.PORT ?? '3000')
    .option('--data-dir <dir>', 'data directory (made anew)', './demo-data')
    .action(async (options: { persons: string; seed: string; port: string; dataDir: string }) => {
      const persons = Number(options.persons);
      const port = Number(options.port);
      if (!Number.isInteger(persons) || persons < 1) throw new UsageError('--persons must be a positive whole number');
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number');
      // Loaded here, not at start: it brings in the whole api, which every other command would pay for.
      const { printDemo, runDemo } = await import('../../../api/src/demo/demo');
      const demo = await runDemo({ dataDir: options.dataDir, persons, seed: Number(options.seed), port, log: (line) => process.stderr.write(`${line}\n`) });
      printDemo(demo, (text) => process.stdout.write(text));
      // Ctrl-C drains and closes the store like the api's SIGTERM, within 10 s.
      const { installGracefulShutdown } = await import('../../../api/src/runtime/shutdown');
      const say = (message: string) => process.stderr.write(`demo: ${message}\n`);
      installGracefulShutdown(demo.kedja.app.getHttpServer(), { timeoutMs: 10_000, log: { info: say, error: say }, close: () => demo.kedja.close() });
    });
}
