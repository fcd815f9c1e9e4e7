import { configureLogging, flushLogs, type LogFormat } from '@kedja/operations';
import { ConfigError, loadConfig, type KedjaConfig } from './config/config';
import { createApp } from './bootstrap';
import { DatabaseUnavailableError } from './runtime/open-store';
import { installGracefulShutdown } from './runtime/shutdown';

/** Exit codes (README, "Operating"): 0 stopped cleanly, 1 failure, 2 configuration. */
function fail(code: 1 | 2, line: string): never {
  flushLogs();
  process.stderr.write(`kedja: ${line}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  if (process.argv.includes('--demo')) {
    // `npm start -- --demo`: the same as `npx kedja demo`.
    const { runDemo, printDemo } = await import('./demo/demo');
    const demo = await runDemo({ dataDir: process.env.KEDJA_DEMO_DIR ?? './demo-data', persons: Number(process.env.KEDJA_DEMO_PERSONS ?? 3000), seed: 1, port: Number(process.env.PORT ?? 3000), log: (line) => process.stderr.write(`${line}\n`) });
    printDemo(demo, (text) => process.stdout.write(text));
    return;
  }
  let config: KedjaConfig;
  try {
    config = loadConfig();
  } catch (error) {
    // One line naming the setting, no stack: the operator's mistake, not the program's.
    if (error instanceof ConfigError) fail(2, `configuration error: ${error.message}`);
    throw error;
  }
  const log = configureLogging({ service: 'api', format: config.logFormat as LogFormat });
  let kedja;
  try {
    kedja = await createApp(config, { onRetry: (message, attempt, delayMs) => log.warn({ attempt, retryInMs: delayMs }, `${message}; retrying`) });
  } catch (error) {
    if (error instanceof ConfigError) fail(2, `configuration error: ${error.message}`);
    if (error instanceof DatabaseUnavailableError) {
      log.error(error.message);
      fail(1, error.message);
    }
    throw error;
  }
  await kedja.app.listen(config.port, config.host);
  const app = kedja;
  installGracefulShutdown(kedja.app.getHttpServer(), {
    timeoutMs: config.shutdownTimeoutMs,
    log: { info: (message, context) => log.info(context ?? {}, message), error: (message, context) => log.error(context ?? {}, message) },
    close: () => app.close(),
    exit: (code) => {
      flushLogs();
      process.exit(code);
    },
  });
  const where = config.store.kind === 'sqlite' ? config.store.file : 'PostgreSQL';
  log.info({ port: config.port, store: config.store.kind, projectionsInProcess: config.projectionsInProcess }, `listening on http://127.0.0.1:${config.port} (store: ${config.store.kind}, ${where}); web front at /, docs at /docs`);
}

main().catch((error: unknown) => {
  fail(1, `failed to start: ${error instanceof Error ? error.message : String(error)}`);
});
