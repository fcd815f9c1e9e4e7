import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openEventStore, type OpenedEventStore, type SqliteDatabase } from '@kedja/event-store';
import { describePostgres } from '../../../../libs/event-store/src/contract/postgres-test-support';
import { newTestStore } from '../../../../libs/projections/src/testing/test-stores';
import type { KedjaRuntime } from '../runtime/runtime';
import { AuditLog, type AuditEntry } from './audit-log';
import type { SqliteAuditWriter } from './sqlite-audit-writer';

const entry = (n: number, personId: string): AuditEntry => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
  sub: `user-${n}`,
  actor: n % 2 === 0 ? 'migrationsverket' : 'municipality:2281',
  action: n % 3 === 0 ? 'lookup' : 'timeline',
  personId,
  route: 'GET /v1/persons/{subject}/timeline',
  purpose: n % 4 === 0 ? null : `purpose ${n} 'quoted' ä`,
  asOf: n % 5 === 0 ? '2025-01-01T00:00:00.000Z' : null,
  outcome: n % 7 === 0 ? 'out-of-scope' : 'read',
});

function suite(open: () => Promise<{ opened: OpenedEventStore; cleanup: () => Promise<void> }>) {
  let opened: OpenedEventStore;
  let cleanup: () => Promise<void>;
  let audit: AuditLog;

  beforeAll(async () => {
    ({ opened, cleanup } = await open());
    audit = new AuditLog({ store: opened.store, db: opened.db, personalData: undefined as never, closers: [] } as KedjaRuntime);
    await audit.onModuleInit();
  });
  afterAll(async () => {
    await audit?.onApplicationShutdown();
    await opened?.store.close();
    await cleanup?.();
  });

  it('writes concurrent submissions, large and small, each row as given and in submission order', async () => {
    const personId = 'person-a';
    // One large submission (more rows than any single VALUES list would take) among small ones.
    const large = Array.from({ length: 1200 }, (_, i) => entry(i + 3, personId));
    await Promise.all([audit.record([entry(0, personId)]), audit.record([entry(1, personId), entry(2, personId)]), audit.record(large), audit.record([entry(1203, personId)])]);
    const rows = await audit.forPerson(personId, 5000, null);
    expect(rows.map(({ seq: _seq, ...rest }) => rest)).toEqual(Array.from({ length: 1204 }, (_, i) => entry(i, personId)));
    expect(rows.every((row, i) => i === 0 || row.seq > rows[i - 1].seq)).toBe(true);
  });

  it('fails the submission (503) when the rows cannot be written, and writes none of a failed group', async () => {
    await opened.db.execute('ALTER TABLE audit_log RENAME TO audit_log_away');
    await expect(audit.record([entry(0, 'person-b')])).rejects.toMatchObject({ body: { status: 503, code: 'unavailable' } });
    await opened.db.execute('ALTER TABLE audit_log_away RENAME TO audit_log');
    expect(await audit.forPerson('person-b', 10, null)).toEqual([]);
    await audit.record([entry(0, 'person-b')]);
    expect(await audit.forPerson('person-b', 10, null)).toHaveLength(1);
  });
}

async function openSqlite(): Promise<{ opened: OpenedEventStore; cleanup: () => Promise<void> }> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-audit-'));
  const opened = await openEventStore({ kind: 'sqlite', file: path.join(directory, 'store.db') });
  return { opened, cleanup: async () => fs.rmSync(directory, { recursive: true, force: true }) };
}

describe('AuditLog [sqlite]', () => {
  suite(openSqlite);

  describe('its writer thread', () => {
    let opened: OpenedEventStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ opened, cleanup } = await openSqlite()));
    afterAll(async () => {
      await opened?.store.close();
      await cleanup?.();
    });
    const writerOf = (log: AuditLog) => (log as unknown as { writer: SqliteAuditWriter | null }).writer;

    it('writes on a second connection, committed with the durability of the store connection before record() resolves', async () => {
      const log = new AuditLog({ store: opened.store, db: opened.db, personalData: undefined as never, closers: [] } as KedjaRuntime);
      await log.onModuleInit();
      expect(writerOf(log)?.usable).toBe(true);
      // The store is FULL (the default): its connection runs SQLite's NORMAL and syncs the WAL
      // after each commit, and so must the worker's, or acknowledged audit rows could be lost.
      expect((opened.db as SqliteDatabase).durableCommits).toBe(true);
      expect(writerOf(log)?.syncsWal).toBe(true);
      await log.record([entry(1, 'person-w')]);
      // Visible to the store's own connection as soon as record() resolved.
      expect(await opened.db.query('SELECT sub FROM audit_log WHERE person_id = $1', ['person-w'])).toEqual([{ sub: 'user-1' }]);
      await log.onApplicationShutdown();
      // Shut down, the log writes on the store's connection.
      await log.record([entry(2, 'person-w')]);
      expect(await log.forPerson('person-w', 10, null)).toHaveLength(2);
    });

    it('fails the writes in flight when the worker dies, then writes on the connection of the store', async () => {
      const log = new AuditLog({ store: opened.store, db: opened.db, personalData: undefined as never, closers: [] } as KedjaRuntime);
      await log.onModuleInit();
      const writer = writerOf(log)!;
      const worker = writer.worker;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      const inFlight = log.record([entry(3, 'person-x')]);
      void worker.terminate();
      await exited;
      await inFlight.catch(() => undefined);
      expect(writer.usable).toBe(false);
      await log.record([entry(4, 'person-x')]);
      expect((await log.forPerson('person-x', 10, null)).map((r) => r.sub)).toContain('user-4');
      await log.onApplicationShutdown();
    });

    it('needs a file: an in-memory store writes on its own connection', async () => {
      const memory = await openEventStore({ kind: 'sqlite', file: ':memory:' });
      try {
        const log = new AuditLog({ store: memory.store, db: memory.db, personalData: undefined as never, closers: [] } as KedjaRuntime);
        await log.onModuleInit();
        expect(writerOf(log)).toBeNull();
        await log.record([entry(5, 'person-m')]);
        expect(await log.forPerson('person-m', 10, null)).toHaveLength(1);
      } finally {
        await memory.store.close();
      }
    });
  });
});

describePostgres('AuditLog [postgres]', () => {
  suite(async () => {
    // A fresh schema (the projections' test stores).
    const store = newTestStore('postgres');
    return { opened: await store.open(), cleanup: () => store.cleanup() };
  });
});
