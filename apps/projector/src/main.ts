import { PROJECTIONS, ProjectionRunner, type ProjectionStatus } from '@kedja/projections';
import { ConfigError, loadConfig } from '../../api/src/config/config';
import { openStoreFromConfig } from './open-store';

const STATUS_INTERVAL_MS = 30_000;

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} projector ${line}\n`);
}

function describe(status: ProjectionStatus): string {
  const rebuild = status.rebuild ? ` rebuilding g${status.rebuild.generation} ${status.rebuild.done}/${status.rebuild.total}` : '';
  const owner = status.owned ? 'applying' : status.running ? 'standby (another process applies)' : 'idle';
  return `${status.name} g${status.generation} applied=${status.applied} lag=${status.lag} ${owner}${rebuild}${status.error ? ` error="${status.error}"` : ''}`;
}

/**
 * Runs every registered projection against the api's store. Any number may run: each projection
 * is applied by one of them at a time (see the runner's ownership), the others stand by.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const { store, db } = await openStoreFromConfig(config);
  if (PROJECTIONS.length === 0) log('no projections are registered (libs/projections/src/registry.ts); idling');
  let lastProgress = 0;
  const runner = new ProjectionRunner(store, db, PROJECTIONS, {
    log,
    onError: (name, error) => log(`${name} failed, retrying: ${error instanceof Error ? error.message : String(error)}`),
    onRebuildProgress: (progress) => {
      if (Date.now() - lastProgress < 5000 && progress.done !== progress.total) return;
      lastProgress = Date.now();
      log(`${progress.name} rebuild g${progress.generation}: ${progress.done}/${progress.total}`);
    },
  });
  await runner.start();
  log(`started with ${PROJECTIONS.length} projection(s) on ${config.store.kind}, ${runner.mechanism} ownership, holder ${runner.holderId}`);

  const report = async () => {
    try {
      for (const status of await runner.status()) log(describe(status));
    } catch (error) {
      log(`status failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const timer = setInterval(() => void report(), STATUS_INTERVAL_MS);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: stopping after the batches in flight`);
    clearInterval(timer);
    await runner.stop();
    await store.close();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const text = error instanceof ConfigError ? `configuration: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`projector: ${text}\n`);
  process.exit(1);
});
