import { FileKeyProvider, PersonalData } from '@kedja/personal-data';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { openEventStore, type OpenedEventStore } from '@kedja/event-store';
import { PROJECTIONS, ProjectionRunner } from '@kedja/projections';
import { simulate } from '@kedja/simulator';
import { ingestDirect } from '../../apps/api/src/recording/direct-ingest';

/** Every read model's rows, table by table, in a stable order. */
async function snapshot(opened: OpenedEventStore, runner: ProjectionRunner): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  for (const projection of PROJECTIONS) {
    const tables = await runner.tableNames(projection.name);
    for (const logical of projection.tables) {
      const rows = await opened.db.query(`SELECT * FROM ${tables[logical]}`);
      result[`${projection.name}.${logical}`] = rows.map((row) => JSON.stringify(row, Object.keys(row).sort())).sort();
    }
  }
  return result;
}

describe('read models of a simulated population', () => {
  it('built incrementally while 2,000 simulated people are recorded, equal a full rebuild', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-determinism-'));
    const opened = await openEventStore({ kind: 'sqlite', file: path.join(dir, 'kedja.sqlite'), synchronous: 'NORMAL', pollIntervalMs: 20 });
    const runner = new ProjectionRunner(opened.store, opened.db, PROJECTIONS, { pollIntervalMs: 20 });
    try {
      await runner.start();
      const feed = Readable.from((function* () {
        for (const event of simulate({ persons: 2_000, seed: 99 })) yield `${JSON.stringify(event)}\n`;
      })());
      const summary = await ingestDirect(opened.store, await PersonalData.open(opened.db, FileKeyProvider.open(dir)), feed, { batchSize: 250 });
      expect(summary.rejected).toBe(0);
      await runner.waitUntilCaughtUp(120_000);
      const incremental = await snapshot(opened, runner);
      expect(Object.values(incremental).some((rows) => rows.length > 1_000)).toBe(true);
      for (const projection of PROJECTIONS) await runner.rebuild(projection.name);
      const rebuilt = await snapshot(opened, runner);
      for (const key of Object.keys(incremental)) expect({ key, rows: rebuilt[key] }).toEqual({ key, rows: incremental[key] });
    } finally {
      await runner.stop();
      await opened.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
