import { TimeToEventAccumulator, type TimeToEventQuery, type TimeToEventResult } from '@kedja/analytics';
import type { SqlExecutor } from '@kedja/event-store';
import { visitAnalyticsFacts } from '../histories/projection';

/**
 * Time-to-event over every person of the analytics projection, in one pass over its facts table
 * (`factsTable`, the physical name of ANALYTICS_FACTS_TABLE). The accumulator is built first so that a bad query fails before any row
 * is read.
 */
export async function timeToEventFromProjection(db: SqlExecutor, factsTable: string, query: TimeToEventQuery, now: string): Promise<TimeToEventResult> {
  const acc = new TimeToEventAccumulator(query, now);
  await visitAnalyticsFacts(db, factsTable, (facts) => acc.addEncoded(facts));
  return acc.result();
}
