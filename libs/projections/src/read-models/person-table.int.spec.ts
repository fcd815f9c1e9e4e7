import { readLogStreams, type SqlDialect, type SqlExecutor } from '@kedja/event-store';
import { physicalTables, type Projection, type ProjectionBuilder } from '../projection';
import type { ProjectionRunner } from '../runner/projection-runner';
import { appendSimulated, simulatedEvents } from '../testing/simulated-population';
import { describeEachStore, storePerTest, type StoreKind } from '../testing/test-stores';
import { chainGapsSpec } from './chain-gaps';
import { countyOverviewSpec } from './county-overview';
import { personViewProjection } from './person-table';

async function rows(db: SqlExecutor, runner: ProjectionRunner, projection: Projection): Promise<Record<string, string[]>> {
  return rowsOf(db, projection, await runner.tableNames(projection.name));
}

async function rowsOf(db: SqlExecutor, projection: Projection, tables: Readonly<Record<string, string>>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const logical of projection.tables) {
    const found = await db.query<Record<string, unknown>>(`SELECT * FROM ${tables[logical]}`);
    out[logical] = found.map((row) => JSON.stringify(row, Object.keys(row).sort())).sort();
  }
  return out;
}

/** The plain and unique indexes on a projection's tables, named without the generation. */
async function indexes(db: SqlExecutor, runner: ProjectionRunner, projection: Projection): Promise<string[]> {
  const tables = Object.values(await runner.tableNames(projection.name));
  const names: string[] = [];
  for (const table of tables) {
    const found =
      db.dialect === 'postgres'
        ? await db.query<{ name: string }>('SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1', [table])
        : await db.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = $1", [table]);
    names.push(...found.map((f) => f.name.replace(/_g\d+/, '_g*')));
  }
  return names.sort();
}

describeEachStore('person views rebuilt with their builder', (kind: StoreKind) => {
  const fixture = storePerTest(kind);

  it('gives the rows applied live, across many transactions, a failure part-way and forgotten persons', async () => {
    const { store, db } = fixture.opened();
    const events = simulatedEvents(150, 17);
    await appendSimulated(store, events);
    expect(events.some(({ event }) => event.type === 'EventRetracted')).toBe(true);

    // Lets a builder fail once in the rebuild, after some of its transactions committed, and
    // records how builders were opened (fresh, or resumed on tables that hold rows).
    const opens: boolean[] = [];
    const roles: string[] = [];
    let writes = 0;
    let failed = false;
    let liveWrites = 0;
    let liveFailed = false;
    const failing = (projection: Projection): Projection => ({
      ...projection,
      openBuilder(physical: Readonly<Record<string, string>>, dialect: SqlDialect, fresh: boolean, role?: 'rebuild' | 'follow'): ProjectionBuilder {
        const builder = (projection.openBuilder as NonNullable<Projection['openBuilder']>)(physical, dialect, fresh, role);
        const rebuilding = Object.values(physical)[0].endsWith('_g2');
        if (rebuilding) opens.push(fresh);
        roles.push(`${rebuilding ? 'g2' : 'g1'}:${role}:${fresh}`);
        return {
          add: (batch) => builder.add(batch),
          write: async (tx) => {
            await builder.write(tx);
            if (rebuilding && ++writes === 3 && !failed) {
              failed = true;
              throw new Error('injected failure after the rows were written');
            }
            // Following the log: the builder has folded the batch, the transaction rolls back.
            if (!rebuilding && ++liveWrites === 2 && !liveFailed) {
              liveFailed = true;
              throw new Error('injected failure in a live batch');
            }
          },
          committed: () => builder.committed(),
        };
      },
    });
    const projections = [
      failing(personViewProjection(chainGapsSpec, { builderMaxPersons: 25, followMaxPersons: 40 })),
      failing(personViewProjection(countyOverviewSpec, { builderMaxPersons: 25, followMaxPersons: 40 })),
    ];
    const runner = fixture.runner(projections, {
      batchSize: 97,
      rebuildBatchSize: 50,
      rebuildCommitEvents: 150,
      pollIntervalMs: 20,
      controlIntervalMs: 50,
      retireGraceMs: 0,
      onError: () => undefined,
      log: () => undefined,
    });
    await runner.start();
    await runner.waitUntilCaughtUp(60_000);
    const live = await Promise.all(projections.map((p) => rows(db, runner, p)));
    expect(live[0].chain_gaps.length).toBeGreaterThan(10);
    expect(live[1].county_overview.length).toBeGreaterThan(100);
    const liveIndexes = await Promise.all(projections.map((p) => indexes(db, runner, p)));
    expect(liveIndexes[0].length).toBeGreaterThan(3);

    for (const projection of projections) await runner.rebuild(projection.name, { pollMs: 20 });
    expect(failed).toBe(true);
    // The live batches went through builders too (reopened after the injected failure), on tables
    // that were not fresh, and rebuilds through fresh ones.
    expect(liveFailed).toBe(true);
    expect(roles.filter((r) => r === 'g1:follow:false').length).toBeGreaterThanOrEqual(3);
    expect(roles).toContain('g2:rebuild:true');
    // Fresh at the start; resumed on committed rows after the failure.
    expect(opens[0]).toBe(true);
    expect(opens).toContain(false);
    const rebuilt = await Promise.all(projections.map((p) => rows(db, runner, p)));
    expect(rebuilt).toEqual(live);
    // The rebuild left its plain indexes to the swap (or made them when it resumed): all there.
    expect(await Promise.all(projections.map((p) => indexes(db, runner, p)))).toEqual(liveIndexes);
    expect(await runner.tableNames(projections[0].name)).toMatchObject({ chain_gaps: 'chain_gaps_g2' });

    // `apply` (the runner follows with the builder, but a projection must answer it alike): the
    // whole log in batches of 97 into tables of its own gives the same rows.
    for (const [i, projection] of projections.entries()) {
      const physical = physicalTables(projection, 9);
      for (const sql of projection.createTables(physical, db.dialect)) await db.execute(sql);
      for (let after: string | null = null; ; ) {
        const page = await store.readAllWithoutMetadata({ after, limit: 97 });
        if (page.events.length === 0) break;
        await db.transaction((tx) => projection.apply(tx, physical, page.events));
        after = page.last;
      }
      expect(await rowsOf(db, projection, physical)).toEqual(live[i]);
    }
  }, 120_000);

  it('refolds people from the log: readLogStreams gives each stream in recording order, up to a position, inside a transaction', async () => {
    const { store, db } = fixture.opened();
    const events = simulatedEvents(40, 5);
    await appendSimulated(store, events);
    const log: Awaited<ReturnType<typeof store.readAllWithoutMetadata>>['events'][number][] = [];
    for (let after: string | null = null; ; ) {
      const page = await store.readAllWithoutMetadata({ after, limit: 1000 });
      if (page.events.length === 0) break;
      log.push(...page.events);
      after = page.last;
    }
    const upTo = log[Math.floor(log.length / 2)].position;
    const ids = [...new Set(log.map((e) => e.streamId))];
    // Inside a write transaction, as a projection's apply reads it (on SQLite a read outside it
    // would wait for the transaction to end).
    const streams = await db.transaction((tx) => readLogStreams(tx, [...ids, 'nobody'], upTo));
    expect([...streams.keys()]).toEqual([...ids, 'nobody']);
    expect(streams.get('nobody')).toEqual([]);
    for (const id of ids) {
      const expected = log.filter((e) => e.streamId === id && BigInt(e.position) <= BigInt(upTo));
      expect(streams.get(id)).toEqual(expected);
    }
    expect([...streams.values()].reduce((n, list) => n + list.length, 0)).toBe(log.findIndex((e) => e.position === upTo) + 1);
    expect(await db.transaction((tx) => readLogStreams(tx, [], upTo))).toEqual(new Map());
  });
});
