import { ProjectionRunner } from '@kedja/projections';
import type { OpenedEventStore } from '@kedja/event-store';
import type { KedjaConfig } from '../../../api/src/config/config';
import { openStoreFromConfig } from '../../../projector/src/open-store';
import { ANALYTICS_PROJECTION_NAME, ANALYTICS_TABLE, analyticsHistoriesProjection } from '../../../api/src/analytics/histories/projection';

export interface AnalyticsSource {
  readonly opened: OpenedEventStore;
  /** The active physical table of the analytics projection, caught up with the log. */
  readonly table: string;
  close(): Promise<void>;
}

/** Long enough for a first build over a national-scale log; the runner reports progress itself. */
const CATCH_UP_MS = 60 * 60_000;

/**
 * Opens the store from config and brings the analytics projection up to the head of the log
 * before anything is read, so a command never answers from a stale table. When a projector or api
 * already applies the projection, this waits for it (the runner's ownership makes sure only one
 * process writes); otherwise this process applies what is missing, building it on first use.
 */
export async function openAnalyticsSource(config: KedjaConfig): Promise<AnalyticsSource> {
  const opened = await openStoreFromConfig(config);
  const runner = new ProjectionRunner(opened.store, opened.db, [analyticsHistoriesProjection], { log: () => undefined });
  try {
    await runner.start();
    await runner.waitUntilCaughtUp(CATCH_UP_MS);
    const table = (await runner.tableNames(ANALYTICS_PROJECTION_NAME))[ANALYTICS_TABLE];
    await runner.stop();
    return { opened, table, close: () => opened.store.close() };
  } catch (error) {
    await runner.stop().catch(() => undefined);
    await opened.store.close();
    throw error;
  }
}
