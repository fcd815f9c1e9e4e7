import { readActiveTables } from '@kedja/projections';
import type { SqlExecutor } from '@kedja/event-store';
import type { ProjectionRunner } from '@kedja/projections';
import { ANALYTICS_PROJECTION_NAME, ANALYTICS_TABLE } from './projection';

/** How long a query waits for an in-process runner to apply what was just recorded. */
export const CATCH_UP_MS = 2000;

/**
 * The active physical table of the analytics projection. With an in-process runner, first lets it
 * apply everything recorded so far (briefly: a long rebuild must not hold the request, which then
 * answers from what is applied). Without one (apps/projector keeps the read models) the answer is
 * as fresh as the projector, whose lag /health and /metrics report.
 */
export async function analyticsTable(db: SqlExecutor, runner: ProjectionRunner | undefined, catchUpMs = CATCH_UP_MS): Promise<string> {
  if (runner) {
    await runner.waitUntilCaughtUp(catchUpMs).catch(() => undefined);
    return (await runner.tableNames(ANALYTICS_PROJECTION_NAME))[ANALYTICS_TABLE];
  }
  return (await readActiveTables(db, ANALYTICS_PROJECTION_NAME))[ANALYTICS_TABLE];
}
