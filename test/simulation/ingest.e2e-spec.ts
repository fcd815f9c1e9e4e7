import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { openEventStore } from '@kedja/event-store';
import { simulate } from '@kedja/simulator';
import { FileKeyProvider, PersonalData } from '@kedja/personal-data';
import { ingestDirect } from '../../apps/api/src/recording/direct-ingest';
import { ingest } from '../../apps/cli/src/ingest/ingest';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';

const lines = (persons: number, seed: number) => Readable.from((function* () {
  for (const event of simulate({ persons, seed })) yield `${JSON.stringify(event)}\n`;
})());

describe('a simulated population through the recording rules', () => {
  it('loads 10,000 simulated people into a SQLite file with zero rejections', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-sim-'));
    const { store, db } = await openEventStore({ kind: 'sqlite', file: path.join(dir, 'kedja.sqlite'), synchronous: 'NORMAL' });
    const personalData = await PersonalData.open(db, FileKeyProvider.open(dir));
    try {
      const feed = [...simulate({ persons: 10_000, seed: 2026 })].map((event) => `${JSON.stringify(event)}\n`);
      const summary = await ingestDirect(store, personalData, Readable.from(feed), { batchSize: 1000 });
      expect(summary.problems).toEqual(new Map());
      expect(summary.rejected).toBe(0);
      expect(summary.invalidLines).toBe(0);
      expect(summary.recorded).toBe(summary.read);
      expect(summary.recorded).toBeGreaterThan(80_000);
      expect(await store.countAfter(null)).toBe(summary.recorded);
      // Loading the same feed again records nothing: every event is a duplicate of itself.
      const again = await ingestDirect(store, personalData, Readable.from(feed.slice(0, 2000)), { batchSize: 1000 });
      expect(again.recorded).toBe(0);
      expect(again.duplicates).toBe(2000);
      expect(again.rejected).toBe(0);
    } finally {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describeEachStore('kedja ingest over HTTP', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind);
    await app.kedja.app.listen(0, '127.0.0.1');
  });
  afterAll(() => app?.close());

  it('posts 500 simulated people as a platform import with zero rejections, and a retry only finds duplicates', async () => {
    const { port } = app.kedja.app.getHttpServer().address() as { port: number };
    const token = await app.token('platform', 'admin');
    const options = { url: `http://127.0.0.1:${port}`, token, batchSize: 200, concurrency: 4 };
    const first = await ingest({ ...options, input: lines(500, 7) });
    expect(Object.fromEntries(first.problems)).toEqual({});
    expect(first.rejected + first.failed).toBe(0);
    expect(first.recorded).toBe(first.read);
    const second = await ingest({ ...options, input: lines(500, 7) });
    expect(second.recorded).toBe(0);
    expect(second.duplicates).toBe(first.recorded);
  }, 300_000);
});
