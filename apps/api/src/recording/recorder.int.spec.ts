import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { openEventStore, quoteIdentifier, type EventStore, type OpenedEventStore, type SqlDatabase } from '@kedja/event-store';
import { FileKeyProvider, PersonalData } from '@kedja/personal-data';
import { POSTGRES_TEST_URL, describePostgres, randomSchemaName } from '../../../../libs/event-store/src/contract/postgres-test-support';
import { parseStructuredEvent } from './envelope';
import { Recorder } from './recorder';

// One key file for every store of this file: the tests compare index values across recorders.
const keyDirectory = fs.mkdtempSync(path.join(tmpdir(), 'kedja-recorder-keys-'));
afterAll(() => fs.rmSync(keyDirectory, { recursive: true, force: true }));
const vaultOf = (db: SqlDatabase) => PersonalData.open(db, FileKeyProvider.open(keyDirectory));

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
/** The permit that brings person `i` into Arbetsförmedlingen's scope, so that it may post about them. */
const permitted = (i: number) => parseStructuredEvent({
  specversion: '1.0', id: `permit-${i}`, source: 'urn:se:migrationsverket:case', type: 'ResidencePermitGranted',
  time: '2024-02-15T10:00:00Z', subject: `dossier:${String(10_000_000 + i).replace(/^(\d{2})/, '$1-')}`,
  data: { permitType: 'permanent', ground: 'refugee' },
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
    const recorder = new Recorder(opened_.store, await vaultOf(opened_.db));
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

/**
 * Amendments v1.1 "Unknown and out of scope answer alike", the work behind the timing: a posting
 * about a person out of the poster's scope must not cost a read and fold of that person's stream
 * that an unknown subject does not. The looked-up plan reads a cached person's stream only after
 * the cached version, so it reads nothing unless another process appended, and then only that.
 */
describe('Recorder on SQLite: reading a person it holds a state of', () => {
  let opened_: OpenedEventStore;
  beforeEach(async () => {
    opened_ = await openEventStore({ kind: 'sqlite', file: path.join(directory, `s-${Date.now()}-${Math.random()}.db`) });
  });
  afterEach(() => opened_.store.close());

  const stockholm = { sub: 'test', actor: 'municipality:0180', importing: false };
  const dossier = `dossier:${String(10_000_000 + 7).replace(/^(\d{2})/, '$1-')}`;
  const enrolled = (id: string, subject = dossier) => parseStructuredEvent({
    specversion: '1.0', id, source: 'urn:se:kommun:0180:sfi', type: 'SfiEnrolled', time: '2024-03-01T10:00:00Z', subject,
    data: { studyPath: 2, course: 'B' },
  }, { ...ctx, tokenActor: 'municipality:0180' });
  const assigned = parseStructuredEvent({
    specversion: '1.0', id: 'assign-7', source: 'urn:se:migrationsverket:case', type: 'MunicipalityAssigned', time: '2024-02-20T10:00:00Z', subject: dossier,
    data: { municipalityCode: '0180' },
  }, ctx);
  const rowsRead = (store: EventStore) => {
    const read: number[] = [];
    const real = store.readStreams.bind(store);
    jest.spyOn(store, 'readStreams').mockImplementation(async (...args) => {
      const streams = await real(...args);
      read.push([...streams.values()].reduce((n, events) => n + events.length, 0));
      return streams;
    });
    return read;
  };

  it('rejects a posting about a cached person out of scope without reading any of their events', async () => {
    const recorder = new Recorder(opened_.store, await vaultOf(opened_.db));
    expect((await recorder.record([opened(7), permitted(7)], poster)).map((r) => r.status)).toEqual(['recorded', 'recorded']);
    const read = rowsRead(opened_.store);
    const [result] = await recorder.record([enrolled('sfi-1')], stockholm);
    expect(result).toMatchObject({ status: 'rejected', problem: { code: 'unknown-subject' } });
    expect(read.length).toBeGreaterThan(0);
    expect(read.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('makes for an unknown subject the same store reads as for a cached person out of scope', async () => {
    const recorder = new Recorder(opened_.store, await vaultOf(opened_.db));
    await recorder.record([opened(7), permitted(7)], poster);
    const calls = (subject: string) => {
      const methods = ['findEvents', 'resolveIdentities', 'resolveSourceOwners', 'readStreams'] as const;
      const log: string[] = [];
      for (const method of methods) {
        const real = (opened_.store[method] as (...args: unknown[]) => Promise<unknown>).bind(opened_.store);
        jest.spyOn(opened_.store, method).mockImplementation((async (...args: unknown[]) => {
          log.push(method === 'readStreams' ? `${method}(${(args[0] as string[]).length})` : method);
          return real(...args);
        }) as never);
      }
      return recorder.record([enrolled(`sfi-${subject}`, subject)], stockholm)
        .then((results) => { jest.restoreAllMocks(); return { status: results[0].problem?.code, reads: log.filter((c) => c.startsWith('readStreams')) }; });
    };
    const outOfScope = await calls(dossier);
    const unknown = await calls('dossier:99-999999');
    expect(outOfScope).toEqual({ status: 'unknown-subject', reads: ['readStreams(1)'] });
    expect(unknown).toEqual(outOfScope);
  });

  it("reads, and decides on, what another process appended after the cached state", async () => {
    const recorder = new Recorder(opened_.store, await vaultOf(opened_.db));
    await recorder.record([opened(7), permitted(7)], poster);
    // Another api process assigns the person to Stockholm; this one's cached state predates it.
    expect((await new Recorder(opened_.store, await vaultOf(opened_.db)).record([assigned], poster))[0].status).toBe('recorded');
    const read = rowsRead(opened_.store);
    const [result] = await recorder.record([enrolled('sfi-2')], stockholm);
    expect(result.status).toBe('recorded');
    expect(read).toEqual([1]);
    expect((await opened_.store.readStream((result as { personId: string }).personId)).map((e) => e.type)).toEqual([
      'MigrationCaseOpened', 'ResidencePermitGranted', 'MunicipalityAssigned', 'SfiEnrolled',
    ]);
  });
});

/**
 * Given an append that takes a while (a store whose appendMany is slowed down, as a PostgreSQL
 * round trip is), when other requests arrive meanwhile, then a large request about other people
 * is decided while the append is in flight (but no more than one group waits behind it), small
 * requests gather until the append is done, and a request about the same person, even by another
 * subject form, waits and is decided on the state after it.
 */
describe('Recorder pipelining', () => {
  let opened_: OpenedEventStore;
  beforeEach(async () => {
    opened_ = await openEventStore({ kind: 'sqlite', file: path.join(directory, `p-${Date.now()}-${Math.random()}.db`) });
  });
  afterEach(() => opened_.store.close());

  const af = { sub: 'af', actor: 'arbetsformedlingen', importing: false };
  const afCtx = { now: Date.now(), importing: false, tokenActor: 'arbetsformedlingen' };
  // The index holds a dossier number's keyed hash; the log names the request it belongs to.
  const indexed = (dossier: string) => hasher!.index('dossier', dossier);
  let hasher: PersonalData | undefined;
  beforeEach(async () => {
    hasher = await vaultOf(opened_.db);
  });
  const dossierOf = (i: number) => String(10_000_000 + i).replace(/^(\d{2})/, '$1-');
  const programme = (id: string, subject: string, type: 'EstablishmentProgrammeStarted' | 'EstablishmentProgrammeEnded', time: string) =>
    parseStructuredEvent({
      specversion: '1.0', id, source: 'urn:se:af', type, time, subject,
      data: type === 'EstablishmentProgrammeStarted' ? { plannedEndDate: '2025-12-31' } : { reason: 'employment' },
    }, afCtx);
  /** A request named `name` starting a programme for persons `from` to `to`, by dossier. */
  const starts = (name: string, from: number, to: number) => {
    const events = [];
    for (let i = from; i <= to; i++) {
      planned.set(indexed(dossierOf(i)), name);
      events.push(programme(`${name}-${i}`, `dossier:${dossierOf(i)}`, 'EstablishmentProgrammeStarted', '2024-03-01T08:00:00Z'));
    }
    return events;
  };
  /** Opens persons 1 to `count`; returns their ids. */
  async function persons(count: number): Promise<string[]> {
    const results = await new Recorder(opened_.store, await vaultOf(opened_.db)).record(Array.from({ length: count }, (_, i) => [opened(i + 1), permitted(i + 1)]).flat(), poster);
    return results.filter((_, i) => i % 2 === 0).map((r) => r.personId!);
  }

  /** The real store, with each appendMany held back until `release` is called. */
  function slowStore(log: string[]) {
    const store = opened_.store;
    let releases: Array<() => void> = [];
    const slowed = Object.create(store) as typeof store;
    const names = (values: string[]) => [...new Set(values)].join('+');
    slowed.appendMany = async (appends, options) => {
      log.push(`append ${names(appends.flatMap((a) => a.events.map((e) => e.eventId.split('-')[0])))}`);
      await new Promise<void>((resolve) => releases.push(resolve));
      return store.appendMany(appends, options);
    };
    // A plan reads the owners of its events' subjects (and nothing else: it takes the events for
    // new, and the append checks that), so that read marks when a request is decided.
    slowed.resolveIdentities = async (claims) => {
      log.push(`plan ${names(claims.map((c) => planned.get(c.value) ?? c.value))}`);
      return store.resolveIdentities(claims);
    };
    return { store: slowed, release: () => { const r = releases; releases = []; r.forEach((f) => f()); } };
  }
  /** Which request a subject value belongs to, for the log. */
  const planned = new Map<string, string>();
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('decides a large request about others while an append is in flight, and holds a third until that append is done', async () => {
    await persons(201);
    const log: string[] = [];
    const { store, release } = slowStore(log);
    const recorder = new Recorder(store, await vaultOf(opened_.db));
    const first = recorder.record(starts('a', 1, 100), af);
    await settle();
    expect(log).toEqual(['plan a', 'append a']);
    // Someone else: decided now, appended after the first.
    const second = recorder.record(starts('b', 101, 200), af);
    await settle();
    expect(log).toEqual(['plan a', 'append a', 'plan b']);
    // A third waits in the queue (where later requests would join it) until the first is appended.
    const third = recorder.record(starts('c', 201, 201), af);
    await settle();
    expect(log).toEqual(['plan a', 'append a', 'plan b']);

    for (let i = 0; i < 20 && log.length < 6; i++) {
      release();
      await settle();
    }
    release();
    const results = await Promise.all([first, second, third]);
    expect(results.flat().map((r) => r.status)).toEqual(Array(201).fill('recorded'));
    expect(log).toEqual(['plan a', 'append a', 'plan b', 'append b', 'plan c', 'append c']);
  });

  it('gathers small requests while an append is in flight and decides them together after it', async () => {
    await persons(3);
    const log: string[] = [];
    const { store, release } = slowStore(log);
    const recorder = new Recorder(store, await vaultOf(opened_.db));
    const first = recorder.record(starts('a', 1, 1), af);
    await settle();
    const later = [recorder.record(starts('b', 2, 2), af), recorder.record(starts('c', 3, 3), af)];
    await settle();
    // Deciding a small group early gains little, and would leave out what arrives meanwhile.
    expect(log).toEqual(['plan a', 'append a']);
    for (let i = 0; i < 20 && log.length < 4; i++) {
      release();
      await settle();
    }
    release();
    const results = await Promise.all([first, ...later]);
    expect(results.flat().map((r) => r.status)).toEqual(['recorded', 'recorded', 'recorded']);
    expect(log).toEqual(['plan a', 'append a', 'plan b+c', 'append b+c']);
  });

  it('decides a request about the same person, even by another subject form, again after the append in flight', async () => {
    const ids = await persons(199);
    const log: string[] = [];
    const { store, release } = slowStore(log);
    const recorder = new Recorder(store, await vaultOf(opened_.db));
    const first = recorder.record(starts('a', 1, 100), af);
    await settle();
    // Ends the programme the first request starts for person 1, and starts others' (a request
    // large enough to be decided while the first is in flight).
    planned.set(ids[0], 'e');
    const same = recorder.record([
      programme('e-1', `person:${ids[0]}`, 'EstablishmentProgrammeEnded', '2024-06-01T08:00:00Z'),
      ...starts('e', 101, 199),
    ], af);
    await settle();
    // Ending a programme not yet started is rejected on the state before the first request, and
    // a rejection is only answered after looking the event up, hence a second read.
    expect(log).toEqual(['plan a', 'append a', 'plan e', 'plan e']);

    for (let i = 0; i < 20 && log.length < 6; i++) {
      release();
      await settle();
    }
    release();
    const results = await Promise.all([first, same]);
    expect(results.flat().map((r) => r.status)).toEqual(Array(200).fill('recorded'));
    // Decided again once the first request landed, and appended after it.
    expect(log.slice(4)).toEqual(['plan e', 'append e']);
    expect((await opened_.store.readStream(ids[0])).map((e) => e.type)).toEqual(['MigrationCaseOpened', 'ResidencePermitGranted', 'EstablishmentProgrammeStarted', 'EstablishmentProgrammeEnded']);
  });
});

/**
 * Given two api processes sharing one database (two recorders on one store), when one of them
 * changes a person the other has cached, then the other's next decision about that person sees
 * the change; and when a person's identifier is unlinked with an event in their stream (as
 * erasure does), then an event naming it is `unknown-subject`, also once the person is cached
 * again by another subject form, and also when only the link, not the state, was still cached.
 */
function sharedStoreSuite(open: () => Promise<{ store: EventStore; db: SqlDatabase; cleanup: () => Promise<void> }>) {
  let store: EventStore;
  let db: SqlDatabase;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, db, cleanup } = await open());
  });
  afterEach(() => cleanup());

  const af = { sub: 'af', actor: 'arbetsformedlingen', importing: false };
  const afCtx = { now: Date.now(), importing: false, tokenActor: 'arbetsformedlingen' };
  const programme = (subject: string, type: 'EstablishmentProgrammeStarted' | 'EstablishmentProgrammeEnded', time: string) =>
    parseStructuredEvent({
      specversion: '1.0', id: randomUUID(), source: 'urn:se:af', type, time, subject,
      data: type === 'EstablishmentProgrammeStarted' ? { plannedEndDate: '2025-12-31' } : { reason: 'employment' },
    }, afCtx);
  /** What erasure does to the store: the identifier's link goes, and the person's stream records it. */
  async function unlink(personId: string, dossier: string) {
    await db.execute('DELETE FROM identities WHERE kind = $1 AND value = $2', ['dossier', (await vaultOf(db)).index('dossier', dossier)]);
    await store.append(personId, [{ eventId: randomUUID(), source: 'urn:test', type: 'IdentifiersErased', eventTime: '2024-05-01T00:00:00.000Z', data: {}, metadata: { actor: 'platform' } }], { expectedVersion: 'any' });
  }

  it('decides on the other process\'s append to a cached person', async () => {
    const one = new Recorder(store, await vaultOf(db));
    const other = new Recorder(store, await vaultOf(db));
    const [a] = await one.record([opened(1), permitted(1)], poster);
    expect((await other.record([programme('dossier:10-000001', 'EstablishmentProgrammeStarted', '2024-03-01T08:00:00Z')], af))[0].status).toBe('recorded');
    // `one` cached the person before the programme started; ending it needs the other's append.
    const [ended] = await one.record([programme('dossier:10-000001', 'EstablishmentProgrammeEnded', '2024-06-01T08:00:00Z')], af);
    expect(ended).toMatchObject({ status: 'recorded', personId: a.personId });
  });

  it('answers unknown-subject for an identifier unlinked by another process, whatever it still caches', async () => {
    const one = new Recorder(store, await vaultOf(db));
    const [a] = await one.record([opened(1), permitted(1)], poster);
    expect((await one.record([programme('dossier:10-000001', 'EstablishmentProgrammeStarted', '2024-03-01T08:00:00Z')], af))[0].status).toBe('recorded');
    await unlink(a.personId!, '10-000001');
    const [refused] = await one.record([programme('dossier:10-000001', 'EstablishmentProgrammeEnded', '2024-06-01T08:00:00Z')], af);
    expect(refused.problem?.code).toBe('unknown-subject');
    // The person is cached again by their person id; the dossier still names no one.
    expect((await one.record([programme(`person:${a.personId}`, 'EstablishmentProgrammeEnded', '2024-06-01T08:00:00Z')], af))[0].status).toBe('recorded');
    const [again] = await one.record([programme('dossier:10-000001', 'EstablishmentProgrammeStarted', '2024-07-01T08:00:00Z')], af);
    expect(again.problem?.code).toBe('unknown-subject');
  });

  it('refuses a source another process\'s actor owns, which this one has never seen: the store\'s claim decides', async () => {
    await new Recorder(store, await vaultOf(db)).record([opened(1), permitted(1)], poster);
    const other = new Recorder(store, await vaultOf(db));
    const stolen = parseStructuredEvent({
      specversion: '1.0', id: randomUUID(), source: 'urn:se:migrationsverket:case', type: 'EstablishmentProgrammeStarted', time: '2024-03-01T08:00:00Z',
      subject: 'dossier:10-000001', data: { plannedEndDate: '2025-12-31' },
    }, afCtx);
    const [refused] = await other.record([stolen], af);
    expect(refused).toMatchObject({ status: 'rejected', problem: { code: 'not-permitted', detail: 'This source belongs to another actor.' } });
    expect(await store.readStream((await store.resolveIdentity('dossier', (await vaultOf(db)).index('dossier', '10-000001')))!)).toHaveLength(2);
    // Its own source is its own.
    expect((await other.record([programme('dossier:10-000001', 'EstablishmentProgrammeStarted', '2024-03-01T08:00:00Z')], af))[0].status).toBe('recorded');
  });

  it('answers unknown-subject for an unlinked identifier whose person has left the state cache', async () => {
    // Room for one person's state: the second person pushes the first out, not their links.
    const one = new Recorder(store, await vaultOf(db), undefined, 1);
    const [a] = await one.record([opened(1)], poster);
    await one.record([opened(2)], poster);
    await unlink(a.personId!, '10-000001');
    const [refused] = await one.record([programme('dossier:10-000001', 'EstablishmentProgrammeStarted', '2024-03-01T08:00:00Z')], af);
    expect(refused.problem?.code).toBe('unknown-subject');
  });
}

describe('Recorders sharing a SQLite file', () => {
  sharedStoreSuite(async () => {
    const opened_ = await openEventStore({ kind: 'sqlite', file: path.join(directory, `s-${Date.now()}-${Math.random()}.db`) });
    return { store: opened_.store, db: opened_.db, cleanup: () => opened_.store.close() };
  });
});

describePostgres('Recorders sharing a PostgreSQL database', () => {
  sharedStoreSuite(async () => {
    const schema = randomSchemaName();
    const opened_ = await openEventStore({ kind: 'postgres', connectionString: POSTGRES_TEST_URL, schema });
    return {
      store: opened_.store,
      db: opened_.db,
      cleanup: async () => {
        await opened_.db.execute(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
        await opened_.store.close();
      },
    };
  });
});
