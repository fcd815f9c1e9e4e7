import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEventStore, type OpenedEventStore } from '@kedja/event-store';
import { parseStructuredEvent } from './envelope';
import { Recorder } from './recorder';

const directory = fs.mkdtempSync(path.join(tmpdir(), 'kedja-recorder-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
afterEach(() => jest.restoreAllMocks());

const poster = { sub: 'test', actor: 'migrationsverket', importing: false };
const ctx = { now: Date.now(), importing: false, tokenActor: 'migrationsverket' };
const opened = (i: number) => parseStructuredEvent({
  specversion: '1.0', id: `open-${i}`, source: 'urn:se:migrationsverket:case', type: 'MigrationCaseOpened',
  time: '2024-01-15T10:00:00Z', subject: `dossier:${String(10_000_000 + i).replace(/^(\d{2})/, '$1-')}`,
  data: { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR' },
}, ctx);

/**
 * Given a SQLite store with FULL durability, when concurrent requests are recorded (their groups
 * commit without waiting for the disk), then no request is answered, not even "duplicate",
 * before a sync of the WAL covering its commit has completed.
 */
describe('Recorder on SQLite', () => {
  let opened_: OpenedEventStore;
  beforeEach(async () => {
    opened_ = await openEventStore({ kind: 'sqlite', file: path.join(directory, `r-${Date.now()}-${Math.random()}.db`) });
  });
  afterEach(() => opened_.store.close());

  it('answers only after the commit is on disk, for new events and for duplicates', async () => {
    const recorder = new Recorder(opened_.store);
    await recorder.record([opened(0)], poster); // creates the WAL
    const log: string[] = [];
    const real = fs.fdatasync;
    jest.spyOn(fs, 'fdatasync').mockImplementation(((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
      log.push('sync-start');
      real(fd, (error) => {
        log.push('sync-done');
        callback(error);
      });
    }) as typeof fs.fdatasync);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      recorder.record([opened(i + 1)], poster).then((results) => {
        log.push(`answer ${i}`);
        return results[0].status;
      })));
    expect(answers).toEqual(Array(12).fill('recorded'));
    const firstDone = log.indexOf('sync-done');
    expect(firstDone).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 12; i++) expect(log.indexOf(`answer ${i}`)).toBeGreaterThan(firstDone);
    const syncs = log.filter((entry) => entry === 'sync-start').length;
    expect(syncs).toBeLessThan(12);

    // A duplicate of an event committed but not yet synced waits for the sync too.
    log.length = 0;
    const first = recorder.record([opened(100)], poster).then((r) => { log.push('answer original'); return r[0].status; });
    const again = recorder.record([opened(100)], poster).then((r) => { log.push('answer duplicate'); return r[0].status; });
    expect(await Promise.all([first, again])).toEqual(['recorded', 'duplicate']);
    expect(log.indexOf('answer duplicate')).toBeGreaterThan(log.indexOf('sync-done'));
  });
});
