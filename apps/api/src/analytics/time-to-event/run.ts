import { TimeToEventAccumulator, type TimeToEventQuery, type TimeToEventResult } from '@kedja/analytics';
import type { SqlExecutor } from '@kedja/event-store';
import { visitAnalyticsFacts } from '../histories/projection';

/**
 * Time-to-event over every person of the analytics projection, in one pass over the table's
 * facts column. The accumulator is built first so that a bad query fails before any row
 * is read.
 */
export async function timeToEventFromProjection(db: SqlExecutor, table: string, query: TimeToEventQuery, now: string): Promise<TimeToEventResult> {
  const acc = new TimeToEventAccumulator(query, now);
  await visitAnalyticsFacts(db, table, (facts) => acc.addEncoded(facts));
  return acc.result();
}
