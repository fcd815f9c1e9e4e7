import type { SqlExecutor } from '@kedja/event-store';
import type { ProjectionRunner } from '../../runner/projection-runner';
import { appendSimulated, simulatedEvents } from '../../testing/simulated-population';
import { describeEachStore, storePerTest, type StoreKind } from '../../testing/test-stores';
import { ANALYTICS_TABLE, analyticsHistories, analyticsHistoriesProjection, appendToRow, type AnalyticsRow } from './analytics-histories';

async function rows(db: SqlExecutor, runner: ProjectionRunner): Promise<Map<string, { history: string; keys: string; facts: string }>> {
  const table = (await runner.tableNames(analyticsHistoriesProjection.name))[ANALYTICS_TABLE];
  const found = await db.query<{ person_id: string; history: string; keys: string; facts: string }>(`SELECT person_id, history, keys, facts FROM ${table}`);
  return new Map(found.map(({ person_id, ...row }) => [person_id, row]));
}

/**
 * The same rows whichever way the table was filled: live in small transactions (persons met again
 * in later ones, so rows are updated), and rebuilt in one transaction and in several. The writes
 * differ by path (plain inserts for rows known to be new, upserts otherwise; on PostgreSQL binary
 * arrays through `unnest`), so each is held to a fold of the log in memory.
 */
describeEachStore('analytics histories written live and rebuilt', (kind: StoreKind) => {
  const fixture = storePerTest(kind);
  // Small pages and transactions: people are met again in later ones, so rows are updated.
  const small = { batchSize: 97, rebuildBatchSize: 50, rebuildCommitEvents: 150 };
  const quick = { pollIntervalMs: 20, controlIntervalMs: 50, retireGraceMs: 0, log: () => undefined };

  it('holds each person’s fold of the log, after live application and after rebuilds in one and in several transactions', async () => {
    const { store, db } = fixture.opened();
    const events = simulatedEvents(120, 29);
    await appendSimulated(store, events);

    // The reference: every stored event folded per person in log order.
    const expected = new Map<string, AnalyticsRow>();
    let after: string | null = null;
    for (;;) {
      const page = await store.readAll({ after, limit: 500 });
      if (page.events.length === 0) break;
      for (const e of page.events) {
        const row = expected.get(e.streamId) ?? { history: [], keys: [] };
        appendToRow(row, { eventId: e.eventId, source: e.source, type: e.type, time: e.eventTime, recordedTime: e.recordedTime, data: e.data });
        if (row.history.length > 0) expected.set(e.streamId, row);
      }
      after = page.last;
    }
    const check = async () => {
      const found = await rows(db, runner);
      expect(found.size).toBe(expected.size);
      for (const [personId, row] of expected) {
        expect(found.get(personId)).toMatchObject({ history: JSON.stringify(row.history), keys: JSON.stringify(row.keys) });
      }
      return found;
    };

    let runner = fixture.runner([analyticsHistoriesProjection], { ...small, ...quick });
    await runner.start();
    await runner.waitUntilCaughtUp(60_000);
    const live = await check();
    await runner.rebuild(analyticsHistoriesProjection.name, { pollMs: 20 });
    expect(await check()).toEqual(live);
    await runner.stop();

    runner = fixture.runner([analyticsHistoriesProjection], quick);
    await runner.start();
    await runner.rebuild(analyticsHistoriesProjection.name, { pollMs: 20 });
    expect(await check()).toEqual(live);
    await runner.stop();

    // A builder that may hold only 30 people: it lets them go after its first commit and then
    // reads and upserts rows as `apply` does, people it held included.
    runner = fixture.runner([analyticsHistories({ builderMaxPersons: 30 })], { ...small, ...quick });
    await runner.start();
    await runner.rebuild(analyticsHistoriesProjection.name, { pollMs: 20 });
    expect(await check()).toEqual(live);
  }, 120_000);
});
