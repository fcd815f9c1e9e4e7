import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { caseOpened, ce } from '../support/events';
import { identifierSpellings, leaks, type Spelling } from '../../libs/chain/src/testing/identifier-spellings';

/**
 * CONTRACT.md v1.1 "Personal data in what the service writes", attacked over HTTP on both stores:
 * an agency sends personal identifiers in every spelling of the fuzz corpus, in every envelope
 * attribute, attribute name, data field and field name, and strings with control characters and
 * lone surrogates in every field. No answer may give an identifier back, nothing invalid is
 * stored, and each event of a batch stands alone.
 */
const MV = 'migrationsverket';

/** Dossier numbers unique within a run (support/events' dossier() may repeat within a millisecond). */
let nextDossier = Math.floor(Math.random() * 50_000_000);
function dossier(): string {
  const digits = String(nextDossier++ % 100_000_000).padStart(8, '0');
  return `${digits.slice(0, 2)}-${digits.slice(2)}`;
}

type Place = (text: string, base: Record<string, unknown>) => Record<string, unknown>;

/** Where a hostile client puts the identifier; each event is invalid for another reason too. */
const PLACES: Record<string, Place> = {
  id: (t, b) => ({ ...b, id: t }),
  source: (t, b) => ({ ...b, source: t }),
  'subject pnr:': (t, b) => ({ ...b, subject: `pnr:${t}` }),
  'subject dossier:': (t, b) => ({ ...b, subject: `dossier:${t}` }),
  'subject bare': (t, b) => ({ ...b, subject: t }),
  type: (t, b) => ({ ...b, type: t }),
  time: (t, b) => ({ ...b, time: t }),
  specversion: (t, b) => ({ ...b, specversion: t }),
  datacontenttype: (t, b) => ({ ...b, datacontenttype: t }),
  dataschema: (t, b) => ({ ...b, dataschema: t }),
  actor: (t, b) => ({ ...b, actor: t }),
  recordedtime: (t, b) => ({ ...b, recordedtime: t }),
  'attribute name': (t, b) => ({ ...b, [t]: 'x' }),
  'attribute value': (t, b) => ({ ...b, colour: t }),
  'data field name': (t, b) => ({ ...b, data: { ...(b.data as object), [t]: 1 } }),
  'data route': (t, b) => ({ ...b, data: { ...(b.data as object), route: t } }),
  'data citizenship': (t, b) => ({ ...b, data: { ...(b.data as object), citizenship: t } }),
  'data gender': (t, b) => ({ ...b, data: { ...(b.data as object), gender: t } }),
  'data nested': (t, b) => ({ ...b, data: { ...(b.data as object), extra: { [t]: [t] } } }),
};

describeEachStore('personal data in error bodies, free text and strings', (kind) => {
  let app: TestApp;
  let mv: string;
  /** A person in Migrationsverket's scope, for events that reach the rules. */
  let known: string;

  beforeAll(async () => {
    app = await startTestApp(kind);
    mv = await app.token(MV, 'integration');
    known = dossier();
    expect((await post(caseOpened(known))).status).toBe(201);
  }, 60_000);
  afterAll(() => app?.close());

  const post = (body: unknown, contentType = 'application/cloudevents+json', path = '/v1/events') =>
    app.http().post(path).set('Authorization', `Bearer ${mv}`).set('Content-Type', contentType).send(JSON.stringify(body));
  const postBatch = (events: unknown[]) => post(events, 'application/cloudevents-batch+json');
  const count = () => app.kedja.runtime.store.countAfter(null);
  /** Valid but for `birthYear`, so that every placement is rejected. */
  const invalidBase = () => caseOpened(dossier(), { birthYear: 'nineteen-ninety' });
  /** A retraction that reaches the rules: its eventId names no event of this source. */
  const retraction = (eventId: string, reason = 'Posted on the wrong person') =>
    ce({ type: 'EventRetracted', subject: `dossier:${known}`, source: 'urn:se:migrationsverket:case', data: { eventId, reason }, time: '2024-01-01T00:00:00Z' });

  async function expectNoLeaks(events: Array<Record<string, unknown>>, spellings: readonly Spelling[], expectRejected = true): Promise<void> {
    const before = await count();
    for (let at = 0; at < events.length; at += 1000) {
      const chunk = events.slice(at, at + 1000);
      const response = await postBatch(chunk);
      expect(response.status).toBe(200);
      const results = response.body.results as Array<Record<string, unknown>>;
      expect(results).toHaveLength(chunk.length);
      results.forEach((result, i) => {
        const spelling = spellings[at + i];
        if (expectRejected) expect(result).toMatchObject({ status: 'rejected' });
        if (leaks(JSON.stringify(result), spelling)) throw new Error(`result ${at + i} (${spelling.how}) repeats the identifier: ${JSON.stringify(result)}`);
      });
    }
    expect(await count()).toBe(before);
  }

  it('no error body repeats an identifier of the corpus, in any attribute, attribute name, data field or field name', async () => {
    const events: Array<Record<string, unknown>> = [];
    const spellings: Spelling[] = [];
    for (const spelling of identifierSpellings()) {
      for (const place of Object.values(PLACES)) {
        events.push(place(spelling.text, invalidBase()));
        spellings.push(spelling);
      }
      // Reaches the decider, whose refusal quotes the eventId it could not find.
      events.push(retraction(spelling.text));
      spellings.push(spelling);
    }
    await expectNoLeaks(events, spellings);
  }, 120_000);

  it('names an unsafe field name as data.<unnamed field> or <unnamed field>', async () => {
    const name = '19900101-2385';
    const inData = await post({ ...invalidBase(), data: { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR', [name]: 1 } });
    expect(inData.status).toBe(400);
    expect(inData.body.errors).toEqual([{ path: 'data.<unnamed field>', message: 'is not a field of MigrationCaseOpened' }]);
    expect(inData.body.detail).toBe('Invalid field: data.<unnamed field>.');
    const outside = await post({ ...caseOpened(dossier()), [`x${name}`]: 1 });
    expect(outside.body.errors).toEqual([{ path: '<unnamed field>', message: 'is not an allowed attribute' }]);
  });

  it('single posts (fast lane, router and binary mode) repeat no identifier either', async () => {
    const sample = identifierSpellings().filter((_, i) => i % 23 === 0);
    for (const spelling of sample) {
      for (const [name, place] of Object.entries(PLACES)) {
        if (!['id', 'subject pnr:', 'attribute name', 'data field name', 'data citizenship'].includes(name)) continue;
        for (const path of ['/v1/events', '/v1/events/']) {
          const response = await post(place(spelling.text, invalidBase()), 'application/cloudevents+json', path);
          expect(response.status).toBe(400);
          expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
          if (leaks(response.text, spelling)) throw new Error(`${path} ${name} (${spelling.how}) leaks: ${response.text}`);
        }
      }
      const retracted = await post(retraction(spelling.text));
      expect(retracted.status).toBe(422);
      expect(leaks(retracted.text, spelling)).toBe(false);
      const binary = await app.http().post('/v1/events').set('Authorization', `Bearer ${mv}`).set('Content-Type', 'application/json')
        .set('ce-specversion', '1.0').set('ce-id', encodeURIComponent(spelling.text)).set('ce-source', 'urn:se:migrationsverket:case')
        .set('ce-type', 'MigrationCaseOpened').set('ce-subject', `pnr:${encodeURIComponent(spelling.text)}`).set('ce-time', '2020-01-10T10:00:00Z')
        .set(`ce-x${encodeURIComponent(spelling.text).replace(/%/g, '').slice(0, 30)}`, '1')
        .send(JSON.stringify({ route: 'asylum' }));
      expect(binary.status).toBe(400);
      if (leaks(binary.text, spelling)) throw new Error(`binary mode (${spelling.how}) leaks: ${binary.text}`);
    }
  }, 120_000);

  it('refuses free text (EventRetracted.reason) holding an identifier in any spelling of the corpus', async () => {
    const corpus = identifierSpellings();
    const events = corpus.map((s) => retraction(randomUUID(), `Wrong person, see ${s.text} in the old file`));
    const response = await postBatch(events);
    const results = response.body.results as Array<{ status: string; problem: { code: string; errors: Array<{ path: string }> } }>;
    const accepted = results.map((r, i) => [r, corpus[i]] as const).filter(([r]) => r.problem.code !== 'invalid-event');
    expect(accepted.map(([, s]) => s.how)).toEqual([]);
    for (const r of results) expect(r.problem.errors).toContainEqual({ path: 'data.reason', message: 'must not contain a personnummer, samordningsnummer or dossier number' });
    for (const [i, r] of results.entries()) expect(leaks(JSON.stringify(r), corpus[i])).toBe(false);
  });

  it('accepts free text with dates, codes and short numbers', async () => {
    for (const reason of ['Registered on the wrong person 2024-03-01', 'Duplicate of the report of 20240301', 'Kommun 2281 sent it twice, 12 days late', 'Beslut 2024-03-01 kl. 10:15']) {
      const response = await post(retraction(randomUUID(), reason));
      // Past validation, the rules refuse it: no event with this id.
      expect({ reason, code: response.body.code }).toEqual({ reason, code: 'rule-violation' });
    }
  });

  describe('strings with control characters and lone surrogates', () => {
    const BAD = ['\u0000', '\u0001', '\u001f', '\u007f', '\n', '\ud800', '\udfff', '\ud83d', '\ude00'];
    const FIELDS: Record<string, { path: string; put: (e: Record<string, unknown>, bad: string) => Record<string, unknown> }> = {
      id: { path: 'id', put: (e, bad) => ({ ...e, id: `${e.id as string}${bad}` }) },
      source: { path: 'source', put: (e, bad) => ({ ...e, source: `urn:se:migrationsverket:${bad}` }) },
      subject: { path: 'subject', put: (e, bad) => ({ ...e, subject: `${e.subject as string}${bad}` }) },
      type: { path: 'type', put: (e, bad) => ({ ...e, type: `MigrationCaseOpened${bad}` }) },
      time: { path: 'time', put: (e, bad) => ({ ...e, time: `2020-01-10T10:00:00Z${bad}` }) },
      specversion: { path: 'specversion', put: (e, bad) => ({ ...e, specversion: `1.0${bad}` }) },
      datacontenttype: { path: 'datacontenttype', put: (e, bad) => ({ ...e, datacontenttype: `application/json${bad}` }) },
      dataschema: { path: 'dataschema', put: (e, bad) => ({ ...e, dataschema: `urn:x${bad}` }) },
      actor: { path: 'actor', put: (e, bad) => ({ ...e, actor: `migrationsverket${bad}` }) },
      'extension value': { path: 'colour', put: (e, bad) => ({ ...e, colour: `blue${bad}` }) },
      'attribute name': { path: '<unnamed field>', put: (e, bad) => ({ ...e, [`colour${bad}`]: 'blue' }) },
      'data value': { path: 'data.citizenship', put: (e, bad) => ({ ...e, data: { ...(e.data as object), citizenship: `SYR${bad}` } }) },
      'data name': { path: 'data.<unnamed field>', put: (e, bad) => ({ ...e, data: { ...(e.data as object), [`route${bad}`]: 'asylum' } }) },
    };

    it('rejects each bad event of a batch alone, naming the field, and records the rest', async () => {
      const before = await count();
      const events: Array<Record<string, unknown>> = [];
      const expected: Array<{ path?: string; label: string }> = [];
      for (const bad of BAD) {
        for (const [label, field] of Object.entries(FIELDS)) {
          events.push(field.put(caseOpened(dossier()), bad));
          expected.push({ path: field.path, label: `${label} ${JSON.stringify(bad)}` });
          events.push(caseOpened(dossier()));
          expected.push({ label: 'valid' });
        }
      }
      const response = await postBatch(events);
      expect(response.status).toBe(200);
      const results = response.body.results as Array<{ status: string; problem?: { code: string; errors?: Array<{ path: string }> } }>;
      results.forEach((result, i) => {
        const want = expected[i];
        if (want.path === undefined) {
          expect({ label: want.label, status: result.status, problem: result.problem }).toEqual({ label: want.label, status: 'recorded', problem: undefined });
        } else {
          expect({ label: want.label, status: result.status, code: result.problem?.code }).toEqual({ label: want.label, status: 'rejected', code: 'invalid-event' });
          expect({ label: want.label, paths: result.problem!.errors!.map((e) => e.path) }).toEqual({ label: want.label, paths: expect.arrayContaining([want.path]) });
        }
      });
      expect(await count()).toBe(before + events.length / 2);
    }, 60_000);

    it('rejects a single bad event 400 invalid-event on the fast lane and the router alike', async () => {
      for (const bad of ['\u0000', '\ud800']) {
        for (const path of ['/v1/events', '/v1/events/']) {
          const response = await post(FIELDS.id.put(caseOpened(dossier()), bad), 'application/cloudevents+json', path);
          expect(response.status).toBe(400);
          expect(response.body).toMatchObject({ code: 'invalid-event', errors: [{ path: 'id', message: expect.any(String) }] });
        }
      }
    });

    it('refuses ids differing only in lone surrogates (no collision, nothing stored) and a NUL id amid a batch', async () => {
      const before = await count();
      const id = randomUUID();
      const first = await post({ ...caseOpened(dossier()), id: `${id}\ud800` });
      const second = await post({ ...caseOpened(dossier()), id: `${id}\ud801` });
      const retry = await post({ ...caseOpened(dossier()), id: `${id}\ud800` });
      expect([first.status, second.status, retry.status]).toEqual([400, 400, 400]);
      const batch = await postBatch([caseOpened(dossier()), { ...caseOpened(dossier()), id: `${id}\u0000` }, caseOpened(dossier())]);
      expect(batch.status).toBe(200);
      expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['recorded', 'rejected', 'recorded']);
      expect(await count()).toBe(before + 2);
    });

    it('holds for random strings of any code units in any field (property, in batches)', async () => {
      // Code units of every kind: controls, lone halves of surrogate pairs, pairs, BMP and astral text.
      const unit = fc.oneof(
        fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
        fc.constantFrom('\u007f', '\ud800', '\udbff', '\udc00', '\udfff', '😀', 'å', '\u200b'),
        fc.integer({ min: 0x20, max: 0xffff }).map((c) => String.fromCharCode(c)),
        fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
      );
      const hostile = fc.array(unit, { minLength: 1, maxLength: 12 }).map((units) => units.join(''));
      const field = fc.constantFrom(...Object.keys(FIELDS));
      // The rule itself, written independently of the product's (controls are what it looks for).
      // eslint-disable-next-line no-control-regex
      const unsafe = (text: string) => /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
      await fc.assert(fc.asyncProperty(fc.array(fc.tuple(field, hostile), { minLength: 1, maxLength: 20 }), async (mutations) => {
        const before = await count();
        const events = mutations.flatMap(([name, text]) => [FIELDS[name].put(caseOpened(dossier()), text), caseOpened(dossier())]);
        const response = await postBatch(events);
        expect(response.status).toBe(200);
        const results = response.body.results as Array<{ status: string; problem?: { code: string } }>;
        let recorded = 0;
        mutations.forEach(([name, text], i) => {
          const bad = results[2 * i];
          expect(results[2 * i + 1].status).toBe('recorded');
          if (unsafe(text)) expect({ name, status: bad.status, code: bad.problem?.code }).toEqual({ name, status: 'rejected', code: 'invalid-event' });
          if (bad.status === 'recorded') recorded++;
        });
        expect(await count()).toBe(before + mutations.length + recorded);
      }), { numRuns: Number(process.env.KEDJA_FUZZ_RUNS ?? 60) });
    }, 120_000);

    it('stores characters outside the BMP (well-formed surrogate pairs) and knows their retry', async () => {
      const event = { ...caseOpened(dossier()), id: `ärende-😀-${randomUUID()}` };
      const first = await post(event);
      expect(first.status).toBe(201);
      const again = await post(event);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: event.id, status: 'duplicate', personId: first.body.personId });
    });
  });
});
