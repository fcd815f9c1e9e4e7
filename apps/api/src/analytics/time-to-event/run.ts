import { TimeToEventAccumulator, type TimeToEventQuery, type TimeToEventResult } from '@kedja/analytics';
import type { SqlExecutor } from '@kedja/event-store';
import { readAnalyticsPages } from '../histories/projection';

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

function typesRead(query: TimeToEventQuery): string[] {
  return [...ALWAYS_READ, query.from, ...(typeof query.to === 'string' ? [query.to] : query.to)];
}

/**
 * Time-to-event over every person of the analytics projection, in one pass over the table. The
 * accumulator is built first so that a bad query fails before any row is read.
 */
export async function timeToEventFromProjection(db: SqlExecutor, table: string, query: TimeToEventQuery, now: string): Promise<TimeToEventResult> {
  const acc = new TimeToEventAccumulator(query, now);
  for await (const page of readAnalyticsPages(db, table, { types: typesRead(query) })) for (const h of page) acc.add(h);
  return acc.result();
}
