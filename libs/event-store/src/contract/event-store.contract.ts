import { DuplicateEventConflictError, EventAlreadyStoredError, EventStoreError, IdentityConflictError, SourceOwnedError, WrongExpectedVersionError } from '../errors';
import { EventStore, NewEvent, StoredEvent, identityMapKey } from '../event-store.port';

/** Makes a fresh, empty store; the contract closes every store it makes. */
export type EventStoreFactory = () => Promise<EventStore>;

let counter = 0;

export function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  counter++;
  return {
    eventId: `evt-${counter}-${Math.random().toString(36).slice(2, 8)}`,
    source: 'urn:kedja:test',
    type: 'PersonRegistered',
    eventTime: '2026-01-02T03:04:05.678Z',
    data: { n: counter },
    metadata: { actor: 'MIGRATIONSVERKET', postedBy: 'tester' },
    ...overrides,
  };
}

async function readEverything(store: EventStore): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.readAll({ after, limit: 1000 });
    if (page.events.length === 0) return all;
    all.push(...page.events);
    after = page.last;
  }
}

function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out waiting'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

/** The behaviour every EventStore adapter must show; each adapter's spec calls this once. */
export function eventStoreContract(name: string, factory: EventStoreFactory): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;

    beforeEach(async () => {
      store = await factory();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('expected version', () => {
      it('creates a stream with no-stream and numbers versions from 1', async () => {
        const result = await store.append('s-1', [newEvent(), newEvent(), newEvent()], { expectedVersion: 'no-stream' });
        expect(result.nextExpectedVersion).toBe(3);
        expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['recorded', 'recorded', 'recorded']);
        expect(result.outcomes.map((outcome) => outcome.streamVersion)).toEqual([1, 2, 3]);
        const events = await store.readStream('s-1');
        expect(events.map((event) => event.streamVersion)).toEqual([1, 2, 3]);
        expect(events.map((event) => event.position)).toEqual(result.outcomes.map((outcome) => outcome.position));
      });

      it('accepts 0 for an empty stream and the exact current version after that', async () => {
        await store.append('s-1', [newEvent()], { expectedVersion: 0 });
        const result = await store.append('s-1', [newEvent()], { expectedVersion: 1 });
        expect(result.nextExpectedVersion).toBe(2);
      });

      it('rejects no-stream on an existing stream', async () => {
        await store.append('s-1', [newEvent()], { expectedVersion: 'any' });
        const error = await store.append('s-1', [newEvent()], { expectedVersion: 'no-stream' }).catch((caught) => caught);
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(error).toMatchObject({ streamId: 's-1', expected: 'no-stream', actual: 1 });
      });

      it('rejects a wrong exact version, too low or too high, and writes nothing', async () => {
        await store.append('s-1', [newEvent(), newEvent()], { expectedVersion: 'no-stream' });
        const head = await store.headPosition();
        for (const expectedVersion of [1, 3, 0]) {
          const error = await store.append('s-1', [newEvent()], { expectedVersion }).catch((caught) => caught);
          expect(error).toBeInstanceOf(WrongExpectedVersionError);
          expect(error).toMatchObject({ expected: String(expectedVersion), actual: 2 });
        }
        expect(await store.readStream('s-1')).toHaveLength(2);
        expect(await store.headPosition()).toBe(head);
      });

      it('appends with any whatever the version', async () => {
        await store.append('s-1', [newEvent()], { expectedVersion: 'any' });
        const result = await store.append('s-1', [newEvent()], { expectedVersion: 'any' });
        expect(result.nextExpectedVersion).toBe(2);
      });
    });

    describe('idempotency on (source, eventId)', () => {
      it('reports an identical event as a duplicate of the original, writing nothing', async () => {
        const event = newEvent({ data: { a: 1, b: { c: [1, 2], d: 'x' } } });
        const first = await store.append('s-1', [event], { expectedVersion: 'no-stream' });
        const head = await store.headPosition();
        // Same content with the keys in another order and the time at another offset.
        const again = { ...event, eventTime: '2026-01-02T04:04:05.678+01:00', data: { b: { d: 'x', c: [1, 2] }, a: 1 } };
        const second = await store.append('s-1', [again], { expectedVersion: 1 });
        expect(second.outcomes).toEqual([{ ...first.outcomes[0], status: 'duplicate' }]);
        expect(second.nextExpectedVersion).toBe(1);
        expect(await store.headPosition()).toBe(head);
      });

      it('treats a retry of an already stored batch as duplicates even with a stale expected version', async () => {
        const events = [newEvent(), newEvent()];
        await store.append('s-1', events, { expectedVersion: 'no-stream' });
        await store.append('s-1', [newEvent()], { expectedVersion: 2 });
        const retry = await store.append('s-1', events, { expectedVersion: 'no-stream' });
        expect(retry.outcomes.map((outcome) => outcome.status)).toEqual(['duplicate', 'duplicate']);
        expect(retry.outcomes.map((outcome) => outcome.streamVersion)).toEqual([1, 2]);
        expect(retry.nextExpectedVersion).toBe(3);
      });

      it('records the new events of a batch that also holds duplicates', async () => {
        const old = newEvent();
        await store.append('s-1', [old], { expectedVersion: 'no-stream' });
        const fresh = newEvent();
        const result = await store.append('s-1', [old, fresh], { expectedVersion: 1 });
        expect(result.outcomes.map((outcome) => [outcome.status, outcome.streamVersion])).toEqual([
          ['duplicate', 1],
          ['recorded', 2],
        ]);
      });

      it('fails the whole append when the content differs, writing nothing', async () => {
        const event = newEvent();
        await store.append('s-1', [event], { expectedVersion: 'no-stream' });
        const head = await store.headPosition();
        const innocent = newEvent();
        for (const changed of [{ ...event, data: { other: true } }, { ...event, type: 'Other' }, { ...event, eventTime: '2026-01-01T00:00:00Z' }]) {
          const error = await store.append('s-1', [innocent, changed], { expectedVersion: 'any' }).catch((caught) => caught);
          expect(error).toBeInstanceOf(DuplicateEventConflictError);
        }
        const elsewhere = await store.append('s-2', [event], { expectedVersion: 'any' }).catch((caught) => caught);
        expect(elsewhere).toBeInstanceOf(DuplicateEventConflictError);
        expect(await store.headPosition()).toBe(head);
        expect(await store.findEvent(innocent.source, innocent.eventId)).toBeNull();
      });

      it('keeps the same eventId from different sources apart', async () => {
        const event = newEvent();
        const result = await store.append('s-1', [event, { ...event, source: 'urn:kedja:other' }], { expectedVersion: 'no-stream' });
        expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['recorded', 'recorded']);
      });

      it('handles a repeat within one batch: identical is a duplicate, different is a conflict', async () => {
        const event = newEvent();
        const result = await store.append('s-1', [event, newEvent(), event], { expectedVersion: 'no-stream' });
        expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['recorded', 'recorded', 'duplicate']);
        expect(result.outcomes[2].position).toBe(result.outcomes[0].position);
        expect(result.outcomes[2].streamVersion).toBe(1);
        expect(result.nextExpectedVersion).toBe(2);

        const other = newEvent();
        const error = await store
          .append('s-2', [other, { ...other, data: { changed: true } }], { expectedVersion: 'no-stream' })
          .catch((caught) => caught);
        expect(error).toBeInstanceOf(DuplicateEventConflictError);
        expect(await store.readStream('s-2')).toEqual([]);
      });
    });

    describe('identities', () => {
      it('links claimed identifiers to the stream', async () => {
        await store.append('person-1', [newEvent()], {
          expectedVersion: 'no-stream',
          identities: [
            { kind: 'pnr', value: '198112189876' },
            { kind: 'dossier', value: 'D-1' },
          ],
        });
        expect(await store.resolveIdentity('pnr', '198112189876')).toBe('person-1');
        expect(await store.resolveIdentity('dossier', 'D-1')).toBe('person-1');
        expect(await store.resolveIdentity('dossier', 'D-2')).toBeNull();
        expect(await store.resolveIdentity('pnr', 'D-1')).toBeNull();
      });

      it('accepts a claim the same stream already owns', async () => {
        const identities = [{ kind: 'pnr', value: '198112189876' }];
        await store.append('person-1', [newEvent()], { expectedVersion: 'no-stream', identities });
        await store.append('person-1', [newEvent()], { expectedVersion: 1, identities: [...identities, ...identities] });
        expect(await store.readStream('person-1')).toHaveLength(2);
      });

      it('rejects a claim owned by another stream, without the value in the message, writing nothing', async () => {
        await store.append('person-1', [newEvent()], { expectedVersion: 'no-stream', identities: [{ kind: 'pnr', value: '198112189876' }] });
        const head = await store.headPosition();
        const error = await store
          .append('person-2', [newEvent()], {
            expectedVersion: 'no-stream',
            identities: [
              { kind: 'dossier', value: 'D-9' },
              { kind: 'pnr', value: '198112189876' },
            ],
          })
          .catch((caught) => caught);
        expect(error).toBeInstanceOf(IdentityConflictError);
        expect(error).toMatchObject({ kind: 'pnr', ownerStreamId: 'person-1' });
        expect(String(error.message)).not.toContain('198112189876');
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream('person-2')).toEqual([]);
        expect(await store.resolveIdentity('dossier', 'D-9')).toBeNull();
      });

      it('writes no identity when the append fails for another reason', async () => {
        await store.append('person-1', [newEvent()], { expectedVersion: 'no-stream' });
        const error = await store
          .append('person-1', [newEvent()], { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: 'D-3' }] })
          .catch((caught) => caught);
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.resolveIdentity('dossier', 'D-3')).toBeNull();
      });
    });

    describe('source owners', () => {
      const by = (actor: string, source: string) => newEvent({ source, metadata: { actor } });

      it('gives a source to the first actor that appends with it, for good', async () => {
        await store.append('o-1', [by('municipality:2281', 'urn:o:a')], { expectedVersion: 'no-stream' });
        await store.append('o-2', [by('municipality:2281', 'urn:o:a'), by('skatteverket', 'urn:o:b')], { expectedVersion: 'no-stream' });
        const owners = await store.resolveSourceOwners(['urn:o:a', 'urn:o:b', 'urn:o:none', 'urn:o:a']);
        expect([...owners.entries()].sort()).toEqual([['urn:o:a', 'municipality:2281'], ['urn:o:b', 'skatteverket']]);
        expect(await store.resolveSourceOwners([])).toEqual(new Map());
      });

      it('refuses an event with a source another actor owns, writing nothing of the append', async () => {
        await store.append('o-1', [by('municipality:2281', 'urn:o:a')], { expectedVersion: 'no-stream' });
        const head = await store.headPosition();
        await expect(store.append('o-1', [by('municipality:2281', 'urn:o:c'), by('migrationsverket', 'urn:o:a')], { expectedVersion: 1 }))
          .rejects.toBeInstanceOf(SourceOwnedError);
        await expect(store.appendMany([
          { streamId: 'o-2', events: [by('migrationsverket', 'urn:o:d')], options: { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: 'O2' }] } },
          { streamId: 'o-3', events: [by('migrationsverket', 'urn:o:a')], options: { expectedVersion: 'no-stream' } },
        ])).rejects.toBeInstanceOf(SourceOwnedError);
        await expect(store.appendMany([
          { streamId: 'o-3', events: [by('migrationsverket', 'urn:o:a')], options: { expectedVersion: 'no-stream' } },
        ], { newOnly: true })).rejects.toBeInstanceOf(SourceOwnedError);
        expect(await store.headPosition()).toBe(head);
        expect(await store.resolveIdentity('dossier', 'O2')).toBeNull();
        expect([...(await store.resolveSourceOwners(['urn:o:a', 'urn:o:c', 'urn:o:d'])).entries()]).toEqual([['urn:o:a', 'municipality:2281']]);
      });

      it('refuses one append naming a new source for two actors', async () => {
        await expect(store.append('o-1', [by('skatteverket', 'urn:o:e'), by('region:22', 'urn:o:e')], { expectedVersion: 'no-stream' }))
          .rejects.toBeInstanceOf(SourceOwnedError);
        expect(await store.resolveSourceOwners(['urn:o:e'])).toEqual(new Map());
        expect(await store.readStream('o-1')).toEqual([]);
      });
    });

    describe('appendMany', () => {
      it('appends to several streams in one transaction, in order', async () => {
        const results = await store.appendMany([
          { streamId: 'm-1', events: [newEvent(), newEvent()], options: { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: 'M1' }] } },
          { streamId: 'm-2', events: [newEvent()], options: { expectedVersion: 'no-stream' } },
          { streamId: 'm-1', events: [newEvent()], options: { expectedVersion: 2 } },
        ]);
        expect(results.map((result) => result.nextExpectedVersion)).toEqual([2, 1, 3]);
        const positions = results.flatMap((result) => result.outcomes.map((outcome) => BigInt(outcome.position)));
        for (let index = 1; index < positions.length; index++) expect(positions[index] > positions[index - 1]).toBe(true);
        expect(await store.resolveIdentity('dossier', 'M1')).toBe('m-1');
        expect(await store.readStream('m-1')).toHaveLength(3);
      });

      it('numbers each stream on its own when parts of several streams interleave', async () => {
        const results = await store.appendMany([
          { streamId: 'i-a', events: [newEvent(), newEvent()], options: { expectedVersion: 'no-stream' } },
          { streamId: 'i-b', events: [newEvent()], options: { expectedVersion: 'any' } },
          { streamId: 'i-a', events: [newEvent(), newEvent(), newEvent()], options: { expectedVersion: 2 } },
          { streamId: 'i-c', events: [], options: { expectedVersion: 'no-stream' } },
          { streamId: 'i-b', events: [newEvent(), newEvent()], options: { expectedVersion: 1 } },
        ]);
        expect(results.map((result) => result.outcomes.map((outcome) => outcome.streamVersion))).toEqual([[1, 2], [1], [3, 4, 5], [], [2, 3]]);
        expect(results.map((result) => result.nextExpectedVersion)).toEqual([2, 1, 5, 0, 3]);
        const positions = results.flatMap((result) => result.outcomes.map((outcome) => Number(outcome.position)));
        expect(positions).toEqual(positions.map((_, index) => positions[0] + index));
        const a = await store.readStream('i-a');
        expect(a.map((event) => [event.streamVersion, event.position])).toEqual(
          [...results[0].outcomes, ...results[2].outcomes].map((outcome) => [outcome.streamVersion, outcome.position]),
        );
        const b = await store.readStream('i-b');
        expect(b.map((event) => [event.streamVersion, event.position])).toEqual(
          [...results[1].outcomes, ...results[4].outcomes].map((outcome) => [outcome.streamVersion, outcome.position]),
        );
        const next = await store.append('i-a', [newEvent()], { expectedVersion: 5 });
        expect(next.outcomes[0].streamVersion).toBe(6);
      });

      it('stores text that array literals and JSON treat specially byte for byte', async () => {
        const awkward = ['NULL', '{a,b}', '"', '\\', ' padded ', '\\u0000', "it's", 'tab\tnew\nline'];
        const events = awkward.map((text, index) =>
          newEvent({ eventId: text, source: `urn:kedja:${text}`, type: text, data: { text, [text]: index, nested: [text, { text }] }, metadata: { actor: 'X', note: text } }),
        );
        const result = await store.appendMany([{ streamId: 'awk-"{1}"', events, options: { expectedVersion: 'no-stream' } }]);
        expect(result[0].outcomes.map((outcome) => outcome.status)).toEqual(awkward.map(() => 'recorded'));
        const stored = await store.readStream('awk-"{1}"');
        expect(stored.map((event) => [event.eventId, event.source, event.type, event.data, event.metadata])).toEqual(
          events.map((event) => [event.eventId, event.source, event.type, event.data, event.metadata]),
        );
        const again = await store.append('awk-"{1}"', events, { expectedVersion: awkward.length });
        expect(again.outcomes.map((outcome) => outcome.status)).toEqual(awkward.map(() => 'duplicate'));
      });

      it('writes nothing for any stream when one part fails', async () => {
        await store.append('m-1', [newEvent()], { expectedVersion: 'no-stream' });
        const head = await store.headPosition();
        const error = await store
          .appendMany([
            { streamId: 'm-2', events: [newEvent()], options: { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: 'M2' }] } },
            { streamId: 'm-1', events: [newEvent()], options: { expectedVersion: 'no-stream' } },
          ])
          .catch((caught) => caught);
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream('m-2')).toEqual([]);
        expect(await store.resolveIdentity('dossier', 'M2')).toBeNull();
      });
    });

    describe('appendMany with newOnly', () => {
      it('appends new events as without it', async () => {
        const results = await store.appendMany([
          { streamId: 'n-1', events: [newEvent(), newEvent()], options: { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: 'N1' }] } },
          { streamId: 'n-2', events: [newEvent()], options: { expectedVersion: 'no-stream' } },
        ], { newOnly: true });
        expect(results.map((result) => result.outcomes.map((outcome) => outcome.status))).toEqual([['recorded', 'recorded'], ['recorded']]);
        expect(await store.resolveIdentity('dossier', 'N1')).toBe('n-1');
      });

      it('fails on an event stored with identical content, writing nothing for any stream', async () => {
        const stored = newEvent();
        await store.append('n-1', [stored], { expectedVersion: 'no-stream' });
        const head = await store.headPosition();
        // Without newOnly the same call records the new events and reports the stored one as a duplicate.
        const error = await store
          .appendMany([
            { streamId: 'n-2', events: [newEvent()], options: { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: 'N2' }] } },
            { streamId: 'n-1', events: [stored, newEvent()], options: { expectedVersion: 1 } },
          ], { newOnly: true })
          .catch((caught) => caught);
        expect(error).toBeInstanceOf(EventAlreadyStoredError);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream('n-2')).toEqual([]);
        expect(await store.resolveIdentity('dossier', 'N2')).toBeNull();
      });

      it('fails on a stored event even when the expected version is stale, as a retry would be', async () => {
        const stored = newEvent();
        await store.append('n-1', [stored, newEvent()], { expectedVersion: 'no-stream' });
        const error = await store.appendMany([{ streamId: 'n-1', events: [stored], options: { expectedVersion: 'no-stream' } }], { newOnly: true }).catch((caught) => caught);
        expect(error).toBeInstanceOf(EventAlreadyStoredError);
      });

      it('fails on an event repeated within the call, writing nothing', async () => {
        const repeated = newEvent();
        const error = await store
          .appendMany([
            { streamId: 'n-1', events: [repeated], options: { expectedVersion: 'no-stream' } },
            { streamId: 'n-1', events: [repeated], options: { expectedVersion: 1 } },
          ], { newOnly: true })
          .catch((caught) => caught);
        expect(error).toBeInstanceOf(EventAlreadyStoredError);
        expect(await store.headPosition()).toBeNull();
      });
    });

    describe('common and unusual appends agree', () => {
      it('claims an identifier for two streams in one appendMany as a conflict, writing nothing', async () => {
        const error = await store
          .appendMany([
            { streamId: 'c-1', events: [newEvent()], options: { expectedVersion: 'no-stream', identities: [{ kind: 'pnr', value: '1' }] } },
            { streamId: 'c-2', events: [newEvent()], options: { expectedVersion: 'no-stream', identities: [{ kind: 'pnr', value: '1' }] } },
          ])
          .catch((caught) => caught);
        expect(error).toBeInstanceOf(IdentityConflictError);
        expect(error).toMatchObject({ kind: 'pnr', ownerStreamId: 'c-1' });
        expect(await store.headPosition()).toBeNull();
        expect(await store.resolveIdentity('pnr', '1')).toBeNull();
      });

      it('reports a stored event in one part of an appendMany as duplicate and records the rest', async () => {
        const stored = newEvent();
        await store.append('d-1', [stored], { expectedVersion: 'no-stream' });
        const results = await store.appendMany([
          { streamId: 'd-2', events: [newEvent()], options: { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: 'D2' }] } },
          { streamId: 'd-1', events: [stored, newEvent()], options: { expectedVersion: 1 } },
        ]);
        expect(results.map((result) => result.outcomes.map((outcome) => outcome.status))).toEqual([['recorded'], ['duplicate', 'recorded']]);
        expect(results[1].outcomes[1].streamVersion).toBe(2);
        expect(await store.readStream('d-1')).toHaveLength(2);
        expect(await store.resolveIdentity('dossier', 'D2')).toBe('d-2');
      });

      it('numbers an appendMany of many streams across statement boundaries without gaps', async () => {
        const appends = Array.from({ length: 90 }, (_, i) => ({
          streamId: `b-${i % 30}`,
          events: [newEvent(), newEvent()],
          options: { expectedVersion: i < 30 ? ('no-stream' as const) : Math.floor(i / 30) * 2 },
        }));
        const results = await store.appendMany(appends);
        const positions = results.flatMap((result) => result.outcomes.map((outcome) => BigInt(outcome.position)));
        expect(positions).toHaveLength(180);
        for (let index = 1; index < positions.length; index++) expect(positions[index]).toBe(positions[index - 1] + 1n);
        expect(results[89].nextExpectedVersion).toBe(6);
        const stream = await store.readStream('b-29');
        expect(stream.map((event) => event.streamVersion)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(stream.map((event) => event.eventId)).toEqual([29, 59, 89].flatMap((i) => appends[i].events.map((event) => event.eventId)));
      });

      it('checks the version of a repeated stream against the earlier part of the same appendMany', async () => {
        const error = await store
          .appendMany([
            { streamId: 'r-1', events: [newEvent(), newEvent()], options: { expectedVersion: 'no-stream' } },
            { streamId: 'r-1', events: [newEvent()], options: { expectedVersion: 1 } },
          ])
          .catch((caught) => caught);
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(error).toMatchObject({ streamId: 'r-1', expected: '1', actual: 2 });
        expect(await store.headPosition()).toBeNull();
      });

      it('claims identities with an append of no events, and records after a rejected duplicate', async () => {
        const result = await store.append('e-1', [], { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: 'E1' }] });
        expect(result).toEqual({ outcomes: [], nextExpectedVersion: 0 });
        expect(await store.resolveIdentity('dossier', 'E1')).toBe('e-1');
        const event = newEvent();
        await store.append('e-1', [event], { expectedVersion: 0 });
        await store.append('e-1', [{ ...event, data: { changed: true } }], { expectedVersion: 1 }).catch(() => undefined);
        const next = await store.append('e-1', [newEvent(), newEvent()], { expectedVersion: 1, identities: [{ kind: 'dossier', value: 'E1' }] });
        expect(next.outcomes.map((outcome) => [outcome.status, outcome.streamVersion])).toEqual([
          ['recorded', 2],
          ['recorded', 3],
        ]);
        const all = await readEverything(store);
        expect(all).toHaveLength(3);
        expect(next.outcomes.map((outcome) => outcome.position)).toEqual(all.slice(1).map((stored) => stored.position));
      });

      it('appends more than one insert statement holds (250 events) in one go', async () => {
        const events = Array.from({ length: 250 }, () => newEvent());
        const result = await store.append('big', events, { expectedVersion: 'no-stream', identities: [{ kind: 'dossier', value: 'BIG' }] });
        expect(result.nextExpectedVersion).toBe(250);
        const stored = await store.readStream('big');
        expect(stored.map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
        expect(stored.map((event) => event.position)).toEqual(result.outcomes.map((outcome) => outcome.position));
        const retry = await store.append('big', [...events.slice(0, 100), newEvent()], { expectedVersion: 'no-stream' }).catch((caught) => caught);
        expect(retry).toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.readStream('big')).toHaveLength(250);
      });
    });

    describe('bulk reads', () => {
      it('finds many events by (source, eventId) in position order, leaving out missing and repeated keys', async () => {
        const a = newEvent();
        const b = newEvent({ source: 'urn:kedja:other' });
        const c = newEvent();
        await store.append('s-1', [a, b], { expectedVersion: 'no-stream' });
        await store.append('s-2', [c], { expectedVersion: 'no-stream' });
        const found = await store.findEvents([
          { source: c.source, eventId: c.eventId },
          { source: a.source, eventId: a.eventId },
          { source: a.source, eventId: b.eventId },
          { source: b.source, eventId: b.eventId },
          { source: a.source, eventId: a.eventId },
          { source: a.source, eventId: 'missing' },
        ]);
        expect(found.map((event) => event.eventId)).toEqual([a.eventId, b.eventId, c.eventId]);
        expect(found[0]).toEqual(await store.findEvent(a.source, a.eventId));
        expect(await store.findEvents([])).toEqual([]);
      });

      it('finds thousands of events at once', async () => {
        const events = Array.from({ length: 2100 }, () => newEvent());
        await store.append('many', events, { expectedVersion: 'no-stream' });
        const found = await store.findEvents(events.map((event) => ({ source: event.source, eventId: event.eventId })).reverse());
        expect(found.map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
      });

      it('resolves many identifiers, keyed kind NUL value, leaving out unlinked ones', async () => {
        await store.append('person-1', [newEvent()], { expectedVersion: 'no-stream', identities: [{ kind: 'pnr', value: '1' }, { kind: 'dossier', value: 'D-1' }] });
        await store.append('person-2', [newEvent()], { expectedVersion: 'no-stream', identities: [{ kind: 'pnr', value: '2' }] });
        const owners = await store.resolveIdentities([
          { kind: 'pnr', value: '1' },
          { kind: 'pnr', value: '2' },
          { kind: 'dossier', value: 'D-1' },
          { kind: 'dossier', value: '1' },
          { kind: 'pnr', value: '3' },
          { kind: 'pnr', value: '1' },
        ]);
        expect(owners).toEqual(
          new Map([
            ['pnr\u00001', 'person-1'],
            ['pnr\u00002', 'person-2'],
            ['dossier\u0000D-1', 'person-1'],
          ]),
        );
        expect(owners.get(identityMapKey('dossier', 'D-1'))).toBe('person-1');
        expect(await store.resolveIdentities([])).toEqual(new Map());
      });

      it('reads many streams whole, each in version order, with empty arrays for unknown streams', async () => {
        for (let round = 0; round < 3; round++) {
          await store.append('x', [newEvent(), newEvent()], { expectedVersion: 'any' });
          await store.append('y', [newEvent()], { expectedVersion: 'any' });
        }
        const streams = await store.readStreams(['y', 'nope', 'x', 'y']);
        expect([...streams.keys()]).toEqual(['y', 'nope', 'x']);
        expect(streams.get('x')).toEqual(await store.readStream('x'));
        expect(streams.get('y')!.map((event) => event.streamVersion)).toEqual([1, 2, 3]);
        expect(streams.get('nope')).toEqual([]);
        expect(await store.readStreams([])).toEqual(new Map());
      });

      it('reads many streams after given versions: only the later events of each, whole streams for the rest', async () => {
        for (let round = 0; round < 3; round++) {
          await store.append('x', [newEvent(), newEvent()], { expectedVersion: 'any' });
          await store.append('y', [newEvent()], { expectedVersion: 'any' });
          await store.append('z', [newEvent()], { expectedVersion: 'any' });
        }
        const streams = await store.readStreams(['x', 'y', 'z', 'nope'], { afterVersions: new Map([['x', 4], ['y', 3], ['nope', 2]]) });
        expect(streams.get('x')).toEqual(await store.readStream('x', { afterVersion: 4 }));
        expect(streams.get('x')!.map((event) => event.streamVersion)).toEqual([5, 6]);
        expect(streams.get('y')).toEqual([]);
        expect(streams.get('z')!.map((event) => event.streamVersion)).toEqual([1, 2, 3]);
        expect(streams.get('nope')).toEqual([]);
      });
    });

    describe('ordering and reading', () => {
      it('orders each stream by version and the global log by position, strictly increasing', async () => {
        const expected: string[] = [];
        for (let round = 0; round < 5; round++) {
          for (const stream of ['a', 'b', 'c']) {
            const events = [newEvent(), newEvent()];
            await store.append(stream, events, { expectedVersion: 'any' });
            expected.push(...events.map((event) => event.eventId));
          }
        }
        const all = await readEverything(store);
        expect(all.map((event) => event.eventId)).toEqual(expected);
        const positions = all.map((event) => BigInt(event.position));
        for (let index = 1; index < positions.length; index++) expect(positions[index] > positions[index - 1]).toBe(true);
        const streamB = await store.readStream('b');
        expect(streamB.map((event) => event.streamVersion)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect((await store.readStream('b', { afterVersion: 8 })).map((event) => event.streamVersion)).toEqual([9, 10]);
        expect(await store.readStream('nope')).toEqual([]);
      });

      it('pages through the global log', async () => {
        for (let index = 0; index < 5; index++) {
          await store.append(`s-${index % 2}`, Array.from({ length: 5 }, () => newEvent()), { expectedVersion: 'any' });
        }
        const sizes: number[] = [];
        let after: string | null = null;
        const seen: string[] = [];
        for (;;) {
          const page = await store.readAll({ after, limit: 10 });
          sizes.push(page.events.length);
          if (page.events.length === 0) {
            expect(page.last).toBe(after);
            break;
          }
          expect(page.last).toBe(page.events[page.events.length - 1].position);
          seen.push(...page.events.map((event) => event.eventId));
          after = page.last;
        }
        expect(sizes).toEqual([10, 10, 5, 0]);
        expect(new Set(seen).size).toBe(25);
        expect(await store.readAll({ after: null, limit: 3 })).toMatchObject({ events: { length: 3 } });
      });

      it('reads the global log without metadata: the same pages, each event less its metadata', async () => {
        const text = 'Åsa Ängström 🇸🇪 "quoted" \\ back \u0000 end';
        for (let index = 0; index < 5; index++) {
          await store.append(
            `s-${index % 2}`,
            Array.from({ length: 5 }, (_, n) => newEvent({ data: { index, n, text, nested: { list: [1, null, { deep: true }] } }, recordedTime: '2020-01-05T12:00:00+01:00' })),
            { expectedVersion: 'any' },
          );
        }
        for (const after of [null, (await store.readAll({ after: null, limit: 7 })).last]) {
          for (const limit of [1, 10, 100]) {
            const full = await store.readAll({ after, limit });
            const lean = await store.readAllWithoutMetadata({ after, limit });
            expect(lean.last).toBe(full.last);
            expect(lean.events).toEqual(full.events.map(({ metadata: _, ...rest }) => rest));
            for (const event of lean.events) expect(event).not.toHaveProperty('metadata');
          }
        }
        const head = await store.headPosition();
        expect(await store.readAllWithoutMetadata({ after: head, limit: 10 })).toEqual({ events: [], last: head });
      });

      it('returns stored events with all fields, times normalised to UTC', async () => {
        const before = new Date().toISOString();
        const event = newEvent({ eventTime: '2026-03-01T10:00:00+02:00', metadata: { actor: 'AF', correlationId: 'c-1' } });
        const result = await store.append('s-1', [event], { expectedVersion: 'no-stream' });
        const after = new Date().toISOString();
        const stored = await store.findEvent(event.source, event.eventId);
        expect(stored).toMatchObject({
          position: result.outcomes[0].position,
          streamId: 's-1',
          streamVersion: 1,
          eventId: event.eventId,
          source: event.source,
          type: event.type,
          eventTime: '2026-03-01T08:00:00.000Z',
          data: event.data,
          metadata: event.metadata,
        });
        expect(stored!.receivedTime >= before && stored!.receivedTime <= after).toBe(true);
        expect(stored!.recordedTime).toBe(stored!.receivedTime);
        expect(stored!.receivedTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(await store.findEvent(event.source, 'missing')).toBeNull();
      });

      it('honours an imported recordedTime and filters stream reads on it', async () => {
        await store.append(
          's-1',
          [
            newEvent({ eventTime: '2020-01-01T00:00:00Z', recordedTime: '2020-01-05T12:00:00+01:00' }),
            newEvent({ eventTime: '2020-02-01T00:00:00Z', recordedTime: '2021-06-01T00:00:00Z' }),
          ],
          { expectedVersion: 'no-stream' },
        );
        await store.append('s-1', [newEvent()], { expectedVersion: 2 });
        const all = await store.readStream('s-1');
        expect(all.map((event) => event.recordedTime.slice(0, 4))).toEqual(['2020', '2021', String(new Date().getUTCFullYear())]);
        expect(all[0].recordedTime).toBe('2020-01-05T11:00:00.000Z');
        expect(all[0].receivedTime).not.toBe(all[0].recordedTime);
        expect((await store.readStream('s-1', { recordedUpTo: '2020-01-05T11:00:00Z' })).map((event) => event.streamVersion)).toEqual([1]);
        expect((await store.readStream('s-1', { recordedUpTo: '2020-01-05T10:59:59.999Z' }))).toEqual([]);
        expect((await store.readStream('s-1', { recordedUpTo: '2022-01-01T01:00:00+01:00' })).map((event) => event.streamVersion)).toEqual([1, 2]);
        expect((await store.readStream('s-1', { recordedUpTo: '2022-01-01T00:00:00Z', afterVersion: 1 })).map((event) => event.streamVersion)).toEqual([2]);
      });

      it('rejects an event time that is not RFC 3339, writing nothing', async () => {
        const error = await store.append('s-1', [newEvent(), newEvent({ eventTime: 'yesterday' })], { expectedVersion: 'any' }).catch((caught) => caught);
        expect(error).toBeInstanceOf(EventStoreError);
        expect(await store.headPosition()).toBeNull();
      });

      it('keeps large payloads (~1 MB) intact', async () => {
        const big = 'x'.repeat(1024 * 1024);
        const rows = Array.from({ length: 2000 }, (_, index) => ({ index, text: `row ${index} "quoted" \\ back` }));
        const event = newEvent({ data: { big, rows } });
        await store.append('s-1', [event, newEvent()], { expectedVersion: 'no-stream' });
        const [stored] = await store.readStream('s-1');
        expect(stored.data).toEqual({ big, rows });
        expect((await store.readAll({ after: null, limit: 10 })).events[0].data).toEqual({ big, rows });
      });

      it('keeps unicode intact in ids, data and metadata', async () => {
        const text = 'Åsa Ängström Öberg, ålder 42 🇸🇪👩🏽‍⚕️ — مرحبا بالعالم שלום 𝄞 \u0000 end';
        // PostgreSQL text cannot hold NUL; inside JSON it is escaped, so only data carries one.
        const name = text.replace('\u0000', '');
        const event = newEvent({ eventId: 'id-ä-😀', source: 'urn:kedja:myndighet/å', data: { text, [text]: 'key' }, metadata: { actor: 'ÖÄ', note: text } });
        await store.append('ström-😀', [event], { expectedVersion: 'no-stream', identities: [{ kind: 'namn', value: name }] });
        const [stored] = await store.readStream('ström-😀');
        expect(stored.data).toEqual(event.data);
        expect(stored.metadata).toEqual(event.metadata);
        expect(await store.findEvent('urn:kedja:myndighet/å', 'id-ä-😀')).not.toBeNull();
        expect(await store.resolveIdentity('namn', name)).toBe('ström-😀');
        const again = await store.append('ström-😀', [event], { expectedVersion: 1 });
        expect(again.outcomes[0].status).toBe('duplicate');
      });

      it('reports the head and how many events lie after a position', async () => {
        expect(await store.headPosition()).toBeNull();
        expect(await store.countAfter(null)).toBe(0);
        const result = await store.append('s-1', [newEvent(), newEvent(), newEvent()], { expectedVersion: 'no-stream' });
        expect(await store.headPosition()).toBe(result.outcomes[2].position);
        expect(await store.countAfter(null)).toBe(3);
        expect(await store.countAfter(result.outcomes[0].position)).toBe(2);
        expect(await store.countAfter(result.outcomes[2].position)).toBe(0);
      });
    });

    describe('subscribeAll', () => {
      it('catches up, then delivers live appends in order, one batch at a time', async () => {
        for (let index = 0; index < 7; index++) await store.append(`s-${index % 3}`, [newEvent(), newEvent()], { expectedVersion: 'any' });
        const received: StoredEvent[] = [];
        let inHandler = 0;
        let overlapped = false;
        const subscription = store.subscribeAll({
          after: null,
          batchSize: 4,
          handler: async (events) => {
            inHandler++;
            if (inHandler > 1) overlapped = true;
            await new Promise((resolve) => setTimeout(resolve, 2));
            received.push(...events);
            inHandler--;
          },
        });
        await subscription.caughtUp();
        expect(received).toHaveLength(14);
        const live = [newEvent(), newEvent(), newEvent()];
        await store.append('s-live', live, { expectedVersion: 'no-stream' });
        await store.append('s-live', [newEvent()], { expectedVersion: 3 });
        await waitFor(() => received.length === 18);
        await subscription.caughtUp();
        await subscription.stop();
        expect(overlapped).toBe(false);
        const all = await readEverything(store);
        expect(received.map((event) => event.position)).toEqual(all.map((event) => event.position));

        await store.append('s-after-stop', [newEvent()], { expectedVersion: 'no-stream' });
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(received).toHaveLength(18);
      });

      it('starts after a given position and resolves caughtUp at once when nothing is behind', async () => {
        const first = await store.append('s-1', [newEvent(), newEvent()], { expectedVersion: 'no-stream' });
        const received: StoredEvent[] = [];
        const subscription = store.subscribeAll({ after: first.outcomes[0].position, handler: async (events) => void received.push(...events) });
        await subscription.caughtUp();
        expect(received.map((event) => event.streamVersion)).toEqual([2]);
        await subscription.caughtUp();
        await subscription.stop();

        const empty = store.subscribeAll({ after: first.outcomes[1].position, handler: async () => undefined });
        await empty.caughtUp();
        await empty.stop();
      });

      it('stop waits for the handler of the batch in flight', async () => {
        await store.append('s-1', [newEvent()], { expectedVersion: 'no-stream' });
        let finished = false;
        let started!: () => void;
        const handlerStarted = new Promise<void>((resolve) => (started = resolve));
        const subscription = store.subscribeAll({
          after: null,
          handler: async () => {
            started();
            await new Promise((resolve) => setTimeout(resolve, 100));
            finished = true;
          },
        });
        await handlerStarted;
        await subscription.stop();
        expect(finished).toBe(true);
      });

      it('retries a failed batch after reporting the error, losing nothing', async () => {
        await store.append('s-1', [newEvent(), newEvent()], { expectedVersion: 'no-stream' });
        const errors: unknown[] = [];
        const received: StoredEvent[] = [];
        let failOnce = true;
        const subscription = store.subscribeAll({
          after: null,
          handler: async (events) => {
            if (failOnce) {
              failOnce = false;
              throw new Error('transient');
            }
            received.push(...events);
          },
          onError: (error) => errors.push(error),
        });
        await waitFor(() => received.length === 2);
        await subscription.stop();
        expect(errors).toHaveLength(1);
        expect(received.map((event) => event.streamVersion)).toEqual([1, 2]);
      });
    });
  });
}
