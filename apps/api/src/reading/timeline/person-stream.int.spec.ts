import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileKeyProvider, PersonalData } from '@kedja/personal-data';
import { SqliteDatabase, type EventStore, type NewEvent, type OpenedEventStore, type StoredEvent } from '@kedja/event-store';
import type { ActorRef } from '@kedja/access';
import { describePostgres } from '../../../../../libs/event-store/src/contract/postgres-test-support';
import { newTestStore, type StoreKind } from '../../../../../libs/projections/src/testing/test-stores';
import { buildDataSet, loadDataSet } from '../../../../../test/bench/support/reading-data';
import type { TimelineItem } from '../person-record';
import type { KedjaRuntime } from '../../runtime/runtime';
import { PersonStreams, readPersonStream } from './person-stream';
import { renderTimeline } from './timeline-render';

/**
 * The timeline's one-statement read against what it replaced: `resolveIdentity`, `readStream`
 * (with `recordedUpTo` for asOf), then sorting by event time with ties in recording order.
 */
async function reference(store: EventStore, kind: string, value: string, recordedUpTo?: string): Promise<{ personId: string; items: TimelineItem[] } | null> {
  const personId = await store.resolveIdentity(kind, value);
  if (personId === null) return null;
  const stored = await store.readStream(personId, recordedUpTo === undefined ? {} : { recordedUpTo });
  const items = stored
    .map((e) => ({ e, t: Date.parse(e.eventTime) }))
    .sort((a, b) => a.t - b.t || a.e.streamVersion - b.e.streamVersion)
    .map(({ e }: { e: StoredEvent }) => ({
      id: e.eventId,
      source: e.source,
      type: e.type,
      time: e.eventTime,
      recordedAt: e.recordedTime,
      postedBy: e.metadata.actor as string,
      data: e.data,
    }));
  return { personId, items };
}

function event(type: string, eventTime: string, recordedTime: string, data: Record<string, unknown>, source = 'urn:se:migrationsverket:case', id = randomUUID()): NewEvent {
  return { eventId: id, source, type, eventTime, recordedTime, data, metadata: { actor: 'migrationsverket', postedBy: 'test' } };
}

function suite(open: () => Promise<{ opened: OpenedEventStore; cleanup: () => Promise<void> }>) {
  let opened: OpenedEventStore;
  let cleanup: () => Promise<void>;
  let streams: PersonStreams;
  const persons: Array<{ kind: string; value: string; times: string[] }> = [];
  const personId = randomUUID();

  beforeAll(async () => {
    ({ opened, cleanup } = await open());
    // On a SQLite file: the reader thread's own connection.
    const personalData = await PersonalData.open(opened.db, FileKeyProvider.open(fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-keys-'))));
    streams = new PersonStreams({ store: opened.store, db: opened.db, personalData, closers: [] } as KedjaRuntime);
    streams.onModuleInit();
    // A simulated population, stored as the recorder stores it.
    const data = buildDataSet({ persons: 120, seed: 7, batchEvents: 200 });
    await loadDataSet(opened.store, data.batches);
    for (const batch of data.batches) {
      for (const append of batch) {
        for (const claim of append.options?.identities ?? []) {
          persons.push({ kind: claim.kind, value: claim.value, times: append.events.map((e) => e.recordedTime!) });
        }
      }
    }
    // Hand-made: equal event times (recording order decides), a late report, non-ASCII and nested
    // data, a retraction, and an identity claimed after the first recording.
    const same = '2023-03-01T10:00:00.000Z';
    const opening = event('MigrationCaseOpened', '2023-01-10T10:00:00.000Z', '2023-01-10T11:00:00.000Z', { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR' });
    await opened.store.appendMany([
      { streamId: personId, events: [opening], options: { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: '55-123456' }, { kind: 'person', value: personId }] } },
    ]);
    await opened.store.appendMany([
      {
        streamId: personId,
        events: [
          event('ReceptionHousingAssigned', same, '2023-03-02T10:00:00.000Z', { housingType: 'ABO', municipalityCode: '2281' }),
          event('ReceptionHousingAssigned', same, '2023-03-02T10:00:01.000Z', { housingType: 'EBO', municipalityCode: '0180' }),
          event('ResidencePermitGranted', '2023-02-01T09:00:00.000Z', '2023-06-01T00:00:00.000Z', { permitType: 'temporary', ground: 'refugee', note: { å: 'ä ö "quoted" \\ \u2028' } }),
        ],
        options: { expectedVersion: 1 },
      },
    ]);
    await opened.store.appendMany([
      {
        streamId: personId,
        events: [event('EventRetracted', '2023-07-01T00:00:00.000Z', '2023-07-01T00:00:00.000Z', { eventId: opening.eventId, reason: 'test' })],
        options: { expectedVersion: 4, identities: [{ kind: 'pnr', value: '199001011239' }] },
      },
    ]);
  }, 120_000);
  afterAll(async () => {
    await streams?.onApplicationShutdown();
    await opened?.store.close();
    await cleanup?.();
  });

  // The reader thread (SQLite file) or the event loop renders each read for its actor: either way
  // the same text as rendering what the store's own calls return.
  const ACTORS: ActorRef[] = [
    { kind: 'migrationsverket' },
    { kind: 'arbetsformedlingen' },
    { kind: 'forsakringskassan' },
    { kind: 'skatteverket' },
    { kind: 'municipality', municipalityCode: '2281', countyCode: '22' },
    { kind: 'region', countyCode: '22' },
  ];
  let rendered = 0;
  const same = async (kind: string, value: string, recordedUpTo?: string) => {
    const read_ = await readPersonStream(opened.db, kind, value, recordedUpTo);
    // No data keys in this data set (stored as before identifiers were sealed): nothing to open.
    expect(read_?.dataKey ?? null).toBeNull();
    const fast = read_ && { personId: read_.personId, items: read_.items };
    const slow = await reference(opened.store, kind, value, recordedUpTo);
    expect(fast).toEqual(slow);
    // Key order too: the items are sent as they are.
    expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
    for (const actor of ACTORS) {
      const read = await streams.read(kind, value, actor, recordedUpTo);
      expect(read).toEqual(slow && { personId: slow.personId, json: renderTimeline(actor, slow.personId, slow.items) });
      if (read?.json) rendered++;
    }
    return fast;
  };

  it('reads every simulated person, by every identifier, as resolveIdentity + readStream did', async () => {
    expect(persons.length).toBeGreaterThan(200);
    for (const p of persons) await same(p.kind, p.value);
    // Most reads are in some actor's scope: the texts compared are real timelines, not nulls.
    expect(rendered).toBeGreaterThan(persons.length);
    // ~4 s on PostgreSQL alone (before this branch too): the 5 s default timed out under the full run.
  }, 30_000);

  it('reads as of a time between recordings the same, including before the first one', async () => {
    for (const p of persons.filter((_, i) => i % 3 === 0)) {
      const times = [...p.times].sort();
      await same(p.kind, p.value, times[Math.floor(times.length / 2)]);
      const before = await same(p.kind, p.value, '2000-01-01T00:00:00.000Z');
      expect(before?.items).toEqual([]);
    }
  }, 30_000);

  it('orders equal event times by recording order, keeps late reports in event time, and includes retractions', async () => {
    const stream = await same('person', personId);
    expect(stream?.items.map((e) => e.type)).toEqual(['MigrationCaseOpened', 'ResidencePermitGranted', 'ReceptionHousingAssigned', 'ReceptionHousingAssigned', 'EventRetracted']);
    expect(stream?.items[2].data).toEqual({ housingType: 'ABO', municipalityCode: '2281' });
    expect(stream?.items[1].data.note).toEqual({ å: 'ä ö "quoted" \\ \u2028' });
    await same('pnr', '199001011239');
    await same('dossier', '55-123456', '2023-03-02T10:00:00.000Z');
    expect((await same('dossier', '55-123456', '2023-03-02T10:00:00.000Z'))?.items).toHaveLength(2);
  });

  it('reads and renders on a worker thread (the reader on a SQLite file, the renderer on PostgreSQL), and on the event loop once it is gone', async () => {
    type Thread = { usable: boolean; thread: { terminate(): Promise<number> } } | null;
    const { thread, renderer } = streams as unknown as { thread: Thread; renderer: Thread };
    const worker = thread ?? renderer;
    expect(thread !== null).toBe(opened.db instanceof SqliteDatabase);
    expect(renderer !== null).toBe(!(opened.db instanceof SqliteDatabase));
    // Committed on the store's connection, then read at once on the reader's.
    const id = randomUUID();
    await opened.store.appendMany([{ streamId: id, events: [event('MigrationCaseOpened', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', { route: 'asylum' })], options: { expectedVersion: 'no-stream', identities: [{ kind: 'person', value: id }] } }]);
    expect((await same('person', id))?.items).toHaveLength(1);
    await worker!.thread.terminate();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(worker!.usable).toBe(false);
    await same('person', id);
  });

  it('answers null for an unknown identifier', async () => {
    expect(await readPersonStream(opened.db, 'person', randomUUID())).toBeNull();
    expect(await streams.read('person', randomUUID(), { kind: 'migrationsverket' })).toBeNull();
    expect(await readPersonStream(opened.db, 'pnr', '199001011239', '2000-01-01T00:00:00.000Z')).toEqual({ personId, items: [], dataKey: null });
  });
}

// A fresh SQLite file or PostgreSQL schema each (the projections' test stores).
const freshStore = (kind: StoreKind) => async () => {
  const store = newTestStore(kind);
  return { opened: await store.open(), cleanup: () => store.cleanup() };
};

describe('readPersonStream [sqlite]', () => suite(freshStore('sqlite')));
describePostgres('readPersonStream [postgres]', () => suite(freshStore('postgres')));
