import { TimeToEventAccumulator, type TimeToEventQuery, type TimeToEventResult } from '@kedja/analytics';
import type { SqlExecutor } from '@kedja/event-store';
import { isMissingFactsColumn, readAnalyticsPages, visitAnalyticsFacts } from '../histories/projection';

// What an episode and its attributes are made of (@kedja/analytics README, "Episodes" and
// "Attributes"); every other type cannot change the answer.
const ALWAYS_READ = [
  'MigrationCaseOpened',
  'MigrationCaseClosed',
  'MunicipalityAssigned',
  'SettledInMunicipality',
  'PopulationRegistered',
  'MovedToMunicipality',
  'CompetenceMapped',
];

/** The event types a query's answer can depend on; decoding any other type is wasted. */
export function typesRead(query: TimeToEventQuery): string[] {
  // Competing closure reasons are read from MigrationCaseClosed, which is always read.
  return [...ALWAYS_READ, query.from, ...(typeof query.to === 'string' ? [query.to] : query.to), ...(query.competing ?? [])];
}

/**
 * Time-to-event over every person of the analytics projection, in one pass over the table's
 * facts column. The accumulator is built first so that a bad query fails before any row is read.
 *
 * While the runner rebuilds the projection for version 2, the active table is still the version
 * 1 table, which has no facts column: that one is read as before, from the JSON histories (same
 * answers, more slowly), until the swap.
 */
export async function timeToEventFromProjection(db: SqlExecutor, table: string, query: TimeToEventQuery, now: string): Promise<TimeToEventResult> {
  const acc = new TimeToEventAccumulator(query, now);
  let visited = false;
  try {
    await visitAnalyticsFacts(db, table, (facts) => {
      visited = true;
      acc.addEncoded(facts);
    });
  } catch (error) {
    if (visited || !isMissingFactsColumn(error)) throw error;
    const fromJson = new TimeToEventAccumulator(query, now);
    for await (const page of readAnalyticsPages(db, table, { types: typesRead(query) })) for (const h of page) fromJson.add(h);
    return fromJson.result();
  }
  return acc.result();
}
