import { OpenedEventStore, SqlExecutor } from '@kedja/event-store';
import { ProjectionRunner, ProjectionRunnerOptions, readActiveTables } from '../index';
import { CountRow, eventCountsProjection, expectedCounts, readCounts } from '../testing/event-counts.projection';
import { AppendedEvent, StoreKind, TestStore, appendEvents, describeEachStore, newTestStore, spawnRunner } from '../testing/test-stores';

const FAST: ProjectionRunnerOptions = { pollIntervalMs: 20, controlIntervalMs: 50, leaseTtlMs: 1000, retireGraceMs: 0, tableCacheMs: 0, log: () => undefined };

async function snapshot(db: SqlExecutor, runner: ProjectionRunner, name = 'event_counts') {
  const tables = await runner.tableNames(name);
  return { byType: await readCounts(db, tables[`${name}_by_type`]), byStream: await readCounts(db, tables[`${name}_by_stream`]) };
}

function expected(events: readonly AppendedEvent[]) {
  return { byType: expectedCounts(events, 'type'), byStream: expectedCounts(events, 'streamId') };
}

async function tableExists(db: SqlExecutor, table: string): Promise<boolean> {
  const sql =
    db.dialect === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1"
      : 'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1';
  return (await db.query(sql, [table])).length > 0;
}

describeEachStore('ProjectionRunner', (kind: StoreKind) => {
  let fixture: TestStore;
  let opened: OpenedEventStore[];
  let runners: ProjectionRunner[];

  beforeEach(() => {
    fixture = newTestStore(kind);
    opened = [];
    runners = [];
  });

  afterEach(async () => {
    for (const runner of runners) await runner.stop();
    for (const { store } of opened) await store.close();
    await fixture.cleanup();
  });

  const open = async (applicationName?: string) => {
    const result = await fixture.open({ applicationName });
    opened.push(result);
    return result;
  };
  const runnerFor = (o: OpenedEventStore, projections: Parameters<typeof eventCountsProjection>[0][] | ReturnType<typeof eventCountsProjection>[], options: ProjectionRunnerOptions = {}) => {
    const list = projections.map((p) => ('apply' in (p as object) ? (p as ReturnType<typeof eventCountsProjection>) : eventCountsProjection(p as object)));
    const runner = new ProjectionRunner(o.store, o.db, list, { ...FAST, ...options });
    runners.push(runner);
    return runner;
  };

  it('catches up from the start of the log, then follows it live, with status and lag', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 1234);
    const runner = runnerFor({ store, db }, [{}], { batchSize: 100 });
    await runner.start();
    await runner.waitUntilCaughtUp(20_000);
    expect(await snapshot(db, runner)).toEqual(expected(events));

    events.push(...(await appendEvents(store, 321)));
    await runner.waitUntilCaughtUp(20_000);
    expect(await snapshot(db, runner)).toEqual(expected(events));

    const [status] = await runner.status();
    expect(status).toMatchObject({ name: 'event_counts', generation: 1, version: 1, applied: 1555, lag: 0, running: true, owned: true, rebuilding: false });
    expect(status.checkpoint).toBe(events[events.length - 1].position);
    expect(await runner.tableNames('event_counts')).toEqual({ event_counts_by_type: 'event_counts_by_type_g1', event_counts_by_stream: 'event_counts_by_stream_g1' });
  }, 30_000);

  it('builds a projection never built on a long log as a rebuild (large transactions), swapped in at the head, then follows it live', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 1500);
    const projection = eventCountsProjection();
    const runner = runnerFor({ store, db }, [projection], { firstBuildAsRebuildAbove: 1000, batchSize: 50, rebuildBatchSize: 200, rebuildCommitEvents: 600 });
    await runner.start();
    await runner.waitUntilCaughtUp(20_000);
    expect(await snapshot(db, runner)).toEqual(expected(events));
    // Generation 1 never moved (each event applied once, into generation 2), in transactions of up
    // to 600 events rather than of the 50 a follower takes.
    expect(projection.applied).toBe(1500);
    expect((await runner.status())[0]).toMatchObject({ generation: 2, applied: 1500, lag: 0, rebuilding: false });
    expect(await tableExists(db, 'event_counts_by_type_g1')).toBe(false);

    events.push(...(await appendEvents(store, 120)));
    await runner.waitUntilCaughtUp(20_000);
    expect(await snapshot(db, runner)).toEqual(expected(events));
    expect((await runner.status())[0]).toMatchObject({ generation: 2, applied: 1620 });
  }, 30_000);

  it('follows the log from its first event when it holds no more than firstBuildAsRebuildAbove', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 300);
    const runner = runnerFor({ store, db }, [{}], { firstBuildAsRebuildAbove: 300, batchSize: 50 });
    await runner.start();
    await runner.waitUntilCaughtUp(20_000);
    expect(await snapshot(db, runner)).toEqual(expected(events));
    expect((await runner.status())[0]).toMatchObject({ generation: 1, applied: 300 });
  }, 30_000);

  it('resumes a first build done as a rebuild after its process is killed mid-way', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 2000);
    const options = { firstBuildAsRebuildAbove: 500, rebuildBatchSize: 100, rebuildCommitEvents: 200, leaseTtlMs: 600, controlIntervalMs: 100, pollIntervalMs: 20 };
    const child = await spawnRunner(fixture.config, { ...options, slowMs: 2 });
    await child.appliedAtLeast(500);
    await child.kill();
    const [partial] = await db.query<{ generation: number | string; checkpoint: string | null; rebuild_generation: number | string; rebuild_applied: number | string }>(
      'SELECT generation, checkpoint, rebuild_generation, rebuild_applied FROM projection_state',
    );
    // Killed inside the rebuild: the first generation untouched, the second part-way.
    expect({ ...partial, generation: Number(partial.generation), rebuild_generation: Number(partial.rebuild_generation) }).toMatchObject({ generation: 1, checkpoint: null, rebuild_generation: 2 });
    expect(Number(partial.rebuild_applied)).toBeGreaterThanOrEqual(200);
    expect(Number(partial.rebuild_applied)).toBeLessThan(2000);

    const runner = runnerFor({ store, db }, [{}], options);
    await runner.start();
    await runner.waitUntilCaughtUp(20_000);
    expect(await snapshot(db, runner)).toEqual(expected(events));
    expect((await runner.status())[0]).toMatchObject({ generation: 2, applied: 2000, rebuilding: false });
  }, 60_000);

  it('passes unhandled events over without applying them, but checkpoints past them', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 400);
    const projection = eventCountsProjection({ handles: ['SfiEnrolled'] });
    const runner = runnerFor({ store, db }, [projection], { batchSize: 64 });
    await runner.start();
    await runner.waitUntilCaughtUp(20_000);
    const handled = events.filter((event) => event.type === 'SfiEnrolled');
    expect(projection.applied).toBe(handled.length);
    expect(await snapshot(db, runner)).toEqual(expected(handled));
    expect((await runner.status())[0]).toMatchObject({ applied: 400, lag: 0 });
  }, 30_000);

  it('commits a batch and its checkpoint together: a failure part-way leaves neither, and a restart resumes exactly', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 500);
    const failAt = events[250].position;
    let failing = true;
    const errors: unknown[] = [];
    const runner = runnerFor({ store, db }, [eventCountsProjection({ beforeEvent: (event) => {
      if (failing && event.position === failAt) throw new Error('boom');
    } })], { batchSize: 100, onError: (_name, error) => errors.push(error) });
    await runner.start();
    const deadline = Date.now() + 10_000;
    while (errors.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(errors.length).toBeGreaterThanOrEqual(2);

    const [status] = await runner.status();
    expect(status).toMatchObject({ applied: 200, checkpoint: events[199].position, lag: 300, error: 'boom' });
    const counts = await snapshot(db, runner);
    expect(counts).toEqual(expected(events.slice(0, 200)));
    await runner.stop();

    failing = false;
    const restarted = runnerFor({ store, db }, [{}], { batchSize: 100 });
    await restarted.start();
    await restarted.waitUntilCaughtUp(20_000);
    expect(await snapshot(db, restarted)).toEqual(expected(events));
    const [after] = await restarted.status();
    expect(after).toMatchObject({ applied: 500, lag: 0 });
    expect(after.error).toBeUndefined();
  }, 30_000);

  it('rebuilds into a new generation while the old one keeps serving complete tables and following the log, then swaps', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 3000);
    // The rebuild's batches fail until released, half-way through, so it stays in progress.
    let held = true;
    let rebuildBatches = 0;
    const release = () => (held = false);
    const progress: Array<{ done: number; total: number }> = [];
    const projection = eventCountsProjection({
      beforeBatch: async (physical) => {
        if (physical.event_counts_by_type.endsWith('_g2') && ++rebuildBatches > 3 && held) throw new Error('held');
      },
    });
    // One page per transaction, so the rebuild stops half-way at a committed checkpoint.
    const runner = runnerFor({ store, db }, [projection], { rebuildBatchSize: 500, rebuildCommitEvents: 500, retireGraceMs: 300, onError: () => undefined });
    await runner.start();
    await runner.waitUntilCaughtUp(20_000);
    const before = await snapshot(db, runner);

    const rebuilt = runner.rebuild('event_counts', { onProgress: (p) => progress.push(p), pollMs: 20 });
    let reading = true;
    let reads = 0;
    const served = new Set<string>();
    const reader = (async () => {
      while (reading) {
        const tables = await runner.tableNames('event_counts');
        served.add(tables.event_counts_by_type);
        const rows = await db.query<CountRow>(`SELECT key, count, last_position FROM ${tables.event_counts_by_type}`);
        const upTo = Math.max(...rows.map((row) => Number(row.last_position)));
        const complete = events.filter((event) => Number(event.position) <= upTo);
        expect(Object.fromEntries(rows.map((row) => [row.key, Number(row.count)]).sort())).toEqual(expectedCounts(complete, 'type'));
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    const deadline = Date.now() + 10_000;
    while ((await runner.status())[0].rebuild?.done !== 1500 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await runner.status())[0]).toMatchObject({ generation: 1, rebuilding: true, rebuild: { generation: 2, done: 1500, total: 3000 } });
    events.push(...(await appendEvents(store, 400)));
    await runner.waitUntilCaughtUp(20_000);
    expect(await runner.tableNames('event_counts')).toMatchObject({ event_counts_by_type: 'event_counts_by_type_g1' });
    expect(await snapshot(db, runner)).toEqual(expected(events));

    release();
    expect(await rebuilt).toEqual({ generation: 2 });
    events.push(...(await appendEvents(store, 100)));
    await runner.waitUntilCaughtUp(20_000);
    reading = false;
    await reader;

    expect(await runner.tableNames('event_counts')).toEqual({ event_counts_by_type: 'event_counts_by_type_g2', event_counts_by_stream: 'event_counts_by_stream_g2' });
    expect(await snapshot(db, runner)).toEqual(expected(events));
    expect(before).toEqual(expected(events.slice(0, 3000)));
    expect(reads).toBeGreaterThan(5);
    expect(served).toEqual(new Set(['event_counts_by_type_g1', 'event_counts_by_type_g2']));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1].done).toBe(progress[progress.length - 1].total);
    expect((await runner.status())[0]).toMatchObject({ generation: 2, rebuilding: false, applied: 3500, lag: 0 });

    const dropped = Date.now() + 5000;
    while ((await tableExists(db, 'event_counts_by_type_g1')) && Date.now() < dropped) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await tableExists(db, 'event_counts_by_type_g1')).toBe(false);
    expect(await tableExists(db, 'event_counts_by_stream_g1')).toBe(false);
  }, 60_000);

  it('gives the same read model after live processing as after a rebuild', async () => {
    const { store, db } = await open();
    const runner = runnerFor({ store, db }, [{}], { batchSize: 37, rebuildBatchSize: 211 });
    await runner.start();
    const events: AppendedEvent[] = [];
    for (let round = 0; round < 6; round++) {
      events.push(...(await appendEvents(store, 150 + round * 31, 3 + round)));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await runner.waitUntilCaughtUp(20_000);
    const live = await snapshot(db, runner);
    await runner.rebuild('event_counts', { pollMs: 20 });
    const rebuilt = await snapshot(db, runner);
    expect(rebuilt).toEqual(live);
    expect(rebuilt).toEqual(expected(events));
  }, 30_000);

  it('gathers a rebuild\'s pages into transactions of up to rebuildCommitEvents, each with its checkpoint', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 2500);
    const batches: number[] = [];
    const projection = eventCountsProjection({
      beforeBatch: (physical, batch) => {
        if (physical.event_counts_by_type.endsWith('_g2')) batches.push(batch.length);
      },
    });
    const runner = runnerFor({ store, db }, [projection], { rebuildBatchSize: 100, rebuildCommitEvents: 1000 });
    await runner.start();
    await runner.waitUntilCaughtUp(20_000);
    await runner.rebuild('event_counts', { pollMs: 20 });
    expect(batches).toEqual([1000, 1000, 500]);
    expect(await snapshot(db, runner)).toEqual(expected(events));
    expect((await runner.status())[0]).toMatchObject({ generation: 2, applied: 2500, lag: 0 });
  }, 30_000);

  it('rebuilds at start a projection whose version changed, serving the old generation meanwhile', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 600);
    const first = runnerFor({ store, db }, [{ version: 1 }]);
    await first.start();
    await first.waitUntilCaughtUp(20_000);
    await first.stop();

    const second = runnerFor({ store, db }, [{ version: 2 }]);
    await second.start();
    await second.waitUntilCaughtUp(20_000);
    expect((await second.status())[0]).toMatchObject({ generation: 2, version: 2, applied: 600, lag: 0, rebuilding: false });
    expect(await snapshot(db, second)).toEqual(expected(events));

    await second.stop();
    const third = runnerFor({ store, db }, [{ version: 2 }]);
    await third.start();
    await third.waitUntilCaughtUp(20_000);
    expect((await third.status())[0]).toMatchObject({ generation: 2, version: 2 });
  }, 30_000);

  it('finishes after the applying process is killed mid-way, with the same read model as a rebuild', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 2000);
    const child = await spawnRunner(fixture.config, { batchSize: 50, slowMs: 2, leaseTtlMs: 600, controlIntervalMs: 100, pollIntervalMs: 20 });
    await child.appliedAtLeast(300);
    await child.kill();
    const [partial] = await readState(db);
    expect(Number(partial.applied)).toBeGreaterThanOrEqual(250);
    expect(Number(partial.applied)).toBeLessThan(2000);

    const runner = runnerFor({ store, db }, [{}]);
    await runner.start();
    await runner.waitUntilCaughtUp(20_000);
    const resumed = await snapshot(db, runner);
    expect(resumed).toEqual(expected(events));
    await runner.rebuild('event_counts', { pollMs: 20 });
    expect(await snapshot(db, runner)).toEqual(resumed);
  }, 60_000);

  it('lets only one of two runners apply a projection, and the other take over when the first goes', async () => {
    const a = await open(`kedja-a-${process.pid}`);
    const b = await open(`kedja-b-${process.pid}`);
    const events = await appendEvents(a.store, 500);
    const projectionA = eventCountsProjection();
    const projectionB = eventCountsProjection();
    const runnerA = runnerFor(a, [projectionA]);
    await runnerA.start();
    await runnerA.waitUntilCaughtUp(20_000);
    const runnerB = runnerFor(b, [projectionB]);
    await runnerB.start();
    events.push(...(await appendEvents(b.store, 300)));
    await runnerB.waitUntilCaughtUp(20_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(projectionB.applied).toBe(0);
    expect(projectionA.applied).toBe(800);
    expect((await runnerB.status())[0]).toMatchObject({ running: true, owned: false, lag: 0 });
    expect(runnerA.mechanism).toBe(kind === 'postgres' ? 'advisory-lock' : 'lease');

    if (kind === 'postgres') {
      // The first runner's connections die under it (its session lock goes with them) while it
      // lives on: either may win the lock back, but each event is still applied exactly once.
      await b.db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [`kedja-a-${process.pid}`]);
      events.push(...(await appendEvents(b.store, 200)));
      await runnerB.waitUntilCaughtUp(20_000);
      expect(projectionA.applied + projectionB.applied).toBe(1000);
      expect(await snapshot(b.db, runnerB)).toEqual(expected(events));
    } else {
      events.push(...(await appendEvents(b.store, 200)));
    }
    await runnerA.stop();
    events.push(...(await appendEvents(b.store, 100)));
    await runnerB.waitUntilCaughtUp(20_000);
    expect(projectionB.applied).toBeGreaterThan(0);
    expect(projectionA.applied + projectionB.applied).toBe(1100);
    expect((await runnerB.status())[0]).toMatchObject({ owned: true, applied: 1100, lag: 0 });
    expect(await snapshot(b.db, runnerB)).toEqual(expected(events));
  }, 30_000);

  it('takes over from a killed process once its ownership lapses', async () => {
    const { store, db } = await open();
    const events = await appendEvents(store, 100);
    const child = await spawnRunner(fixture.config, { leaseTtlMs: 500, controlIntervalMs: 100, pollIntervalMs: 20 });
    await child.appliedAtLeast(100);
    const projection = eventCountsProjection();
    const runner = runnerFor({ store, db }, [projection]);
    await runner.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await runner.status())[0]).toMatchObject({ owned: false, running: true });
    await child.kill();
    events.push(...(await appendEvents(store, 100)));
    await runner.waitUntilCaughtUp(20_000);
    expect(projection.applied).toBe(100);
    expect(await snapshot(db, runner)).toEqual(expected(events));
    expect(await readActiveTables(db, 'event_counts')).toEqual(await runner.tableNames('event_counts'));
  }, 30_000);
});

async function readState(db: SqlExecutor) {
  return db.query<{ applied: number | string }>('SELECT applied FROM projection_state');
}
