import type { SqlExecutor, LogEvent } from '@kedja/event-store';
import type { Projection } from '../projection';

export interface EventCountsOptions {
  readonly name?: string;
  readonly version?: number;
  readonly handles?: readonly string[] | 'all';
  /** Runs before each event is folded in; throwing fails the batch part-way. */
  readonly beforeEvent?: (event: LogEvent, physical: Readonly<Record<string, string>>) => void | Promise<void>;
  /** Runs once per batch before anything is written (for gating a rebuild in tests). */
  readonly beforeBatch?: (physical: Readonly<Record<string, string>>, events: readonly LogEvent[]) => void | Promise<void>;
}

export interface CountRow {
  readonly key: string;
  readonly count: number;
  readonly last_position: string;
}

/**
 * A test projection written the way read models are: a row per key, folded one event at a time
 * (`evolve(row | null, event)`), each write its own statement.
 */
export function eventCountsProjection(options: EventCountsOptions = {}): Projection & { applied: number } {
  const name = options.name ?? 'event_counts';
  const byType = `${name}_by_type`;
  const byStream = `${name}_by_stream`;
  const projection = {
    name,
    version: options.version ?? 1,
    tables: [byType, byStream],
    handles: options.handles ?? 'all',
    applied: 0,
    createTables(physical: Readonly<Record<string, string>>): string[] {
      return [byType, byStream].map(
        (table) => `CREATE TABLE ${physical[table]} (key TEXT PRIMARY KEY, count INTEGER NOT NULL, last_position TEXT NOT NULL)`,
      );
    },
    async apply(tx: SqlExecutor, physical: Readonly<Record<string, string>>, events: readonly LogEvent[]): Promise<void> {
      await options.beforeBatch?.(physical, events);
      for (const event of events) {
        await options.beforeEvent?.(event, physical);
        for (const [table, key] of [
          [physical[byType], event.type],
          [physical[byStream], event.streamId],
        ]) {
          await tx.execute(
            `INSERT INTO ${table} (key, count, last_position) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET count = ${table}.count + 1, last_position = excluded.last_position`,
            [key, event.position],
          );
        }
        projection.applied++;
      }
    },
  };
  return projection;
}

export async function readCounts(db: SqlExecutor, table: string): Promise<Record<string, number>> {
  const rows = await db.query<CountRow>(`SELECT key, count, last_position FROM ${table} ORDER BY key`);
  return Object.fromEntries(rows.map((row) => [row.key, Number(row.count)]));
}

export function expectedCounts(events: readonly { type: string; streamId: string }[], by: 'type' | 'streamId'): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event[by]] = (counts[event[by]] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
