import type { AddressInfo } from 'node:net';
import { PROJECTIONS, ProjectionRunner, type ProjectionStatus } from '@kedja/projections';
import { configureLogging, flushLogs } from '@kedja/operations';
import { ConfigError, loadConfig, type KedjaConfig } from '../../api/src/config/config';
import { DatabaseUnavailableError } from '../../api/src/runtime/open-store';
import { openStoreFromConfig } from './open-store';
import { startObservability } from './observe';
import { StatusLines } from './status-lines';

const STATUS_INTERVAL_MS = 30_000;

function fail(code: 1 | 2, line: string): never {
  flushLogs();
  process.stderr.write(`projector: ${line}\n`);
  process.exit(code);
}

function describe(status: ProjectionStatus): Record<string, unknown> {
  return {
    projection: status.name,
    generation: status.generation,
    applied: status.applied,
    lag: status.lag,
    state: status.owned ? 'applying' : status.running ? 'standby' : 'idle',
    ...(status.rebuild ? { rebuild: `g${status.rebuild.generation} ${status.rebuild.done}/${status.rebuild.total}` } : {}),
    ...(status.error ? { error: status.error } : {}),
  };
}

/**
 * Runs every registered projection against the api's store. Any number may run: each projection
 * is applied by one of them at a time (see the runner's ownership), the others stand by.
 */
async function main(): Promise<void> {
  let config: KedjaConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(2, `configuration error: ${error.message}`);
    throw error;
  }
  const log = configureLogging({ service: 'projector', format: config.logFormat });
  let opened;
  try {
    opened = await openStoreFromConfig(config, { onRetry: (message, attempt, delayMs) => log.warn({ attempt, retryInMs: delayMs }, `${message}; retrying`) });
  } catch (error) {
    if (error instanceof ConfigError) fail(2, `configuration error: ${error.message}`);
    if (error instanceof DatabaseUnavailableError) {
      log.error(error.message);
      fail(1, error.message);
    }
    throw error;
  }
  const { store, db } = opened;
  if (PROJECTIONS.length === 0) log.warn('no projections are registered (libs/projections/src/registry.ts); idling');
  let lastProgress = 0;
  const runner = new ProjectionRunner(store, db, PROJECTIONS, {
    log: (line) => log.info(line),
    onError: (name, error) => log.error({ projection: name, error: error instanceof Error ? error.message : String(error) }, `${name} failed, retrying`),
    onRebuildProgress: (progress) => {
      if (Date.now() - lastProgress < 5000 && progress.done !== progress.total) return;
      lastProgress = Date.now();
      log.info({ projection: progress.name, generation: progress.generation, done: progress.done, total: progress.total }, `${progress.name} rebuild g${progress.generation}: ${progress.done}/${progress.total}`);
    },
  });
  let serving = false;
  let server;
  try {
    server = await startObservability({ store, status: () => runner.status(), serving: () => serving }, config.projectorPort, config.host);
  } catch (error) {
    // Two projectors on one host (allowed: one applies, one stands by) each need their own port.
    await store.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') fail(2, `configuration error: KEDJA_PROJECTOR_PORT ${config.projectorPort} is in use (another projector on this host?); give each its own`);
    throw error;
  }
  await runner.start();
  serving = true;
  const port = (server.address() as AddressInfo).port;
  log.info({ projections: PROJECTIONS.length, store: config.store.kind, ownership: runner.mechanism, holder: runner.holderId, port },
    `started with ${PROJECTIONS.length} projection(s) on ${config.store.kind}, ${runner.mechanism} ownership; /health and /metrics on port ${port}`);

  const lines = new StatusLines();
  const report = async () => {
    try {
      for (const status of lines.worthWriting(await runner.status())) log.info(describe(status), `${status.name}: ${String(describe(status).state)}, lag ${status.lag}`);
    } catch (error) {
      log.warn({ error: error instanceof Error ? error.message : String(error) }, 'status failed');
    }
  };
  const timer = setInterval(() => void report(), STATUS_INTERVAL_MS);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'signal again: exiting without waiting');
      fail(1, 'stopped without waiting');
    }
    stopping = true;
    serving = false;
    const started = Date.now();
    log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutdown started: stopping after the batches in flight');
    const hard = setTimeout(() => {
      log.error({ elapsedMs: Date.now() - started }, 'shutdown timed out; exiting');
      fail(1, 'shutdown timed out');
    }, config.shutdownTimeoutMs);
    hard.unref();
    clearInterval(timer);
    server.close();
    server.closeAllConnections();
    // A batch not committed is rolled back and applied again by whoever runs next: nothing is lost.
    await runner.stop();
    await store.close();
    clearTimeout(hard);
    log.info({ signal, elapsedMs: Date.now() - started }, 'shutdown complete');
    flushLogs();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  fail(1, `failed: ${error instanceof Error ? error.message : String(error)}`);
});
