import fc from 'fast-check';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { caseOpened, dossier } from '../support/events';

/**
 * Throws malformed and hostile requests at POST /v1/events. Every one must be answered with a
 * 4xx problem (never a 500), and none may store anything. Each generated request carries at
 * least one defect that makes it invalid, so "nothing stored" is the exact expectation.
 */
const RUNS = Number(process.env.KEDJA_FUZZ_RUNS ?? 2000);

const hostileKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__');
const deepNesting = fc.integer({ min: 50, max: 400 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown);
const hugeString = fc.integer({ min: 10_000, max: 300_000 }).map((n) => 'å'.repeat(n));
const wrongTypes = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));
/** Personnummer with a wrong check digit, and near-miss identifiers. */
const badPnr = fc.integer({ min: 0, max: 999 }).map((serial) => {
  const body = `900101${String(serial).padStart(3, '0')}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  const wrong = (((10 - (sum % 10)) % 10) + 1) % 10;
  return `19${body}${wrong}`;
});

type Mutation = { readonly field: string; readonly value: unknown };
const envelopeMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ field: fc.constant('specversion'), value: fc.oneof(fc.constantFrom('0.3', '1', '2.0', ''), wrongTypes) }),
  fc.record({ field: fc.constant('id'), value: fc.oneof(fc.constant(''), hugeString, wrongTypes) }),
  fc.record({ field: fc.constant('source'), value: fc.oneof(fc.constantFrom('', 'has space', 'tab\there', '\u0000'), hugeString, wrongTypes) }),
  fc.record({ field: fc.constant('time'), value: fc.oneof(fc.constantFrom('2020-13-01T00:00:00Z', '2020-02-30T00:00:00Z', '2020-01-01', 'yesterday', '1989-01-01T00:00:00Z', '2999-01-01T00:00:00Z', '2020-01-01T25:00:00Z'), wrongTypes) }),
  fc.record({ field: fc.constant('subject'), value: fc.oneof(fc.constantFrom('dossier:1', 'dossier:123-45678', 'person:not-a-uuid', 'pnr:', 'nobody', ''), badPnr.map((p) => `pnr:${p}`), wrongTypes) }),
  fc.record({ field: fc.constant('type'), value: fc.oneof(fc.constantFrom('', '__proto__', 'constructor', 'migrationcaseopened'), hugeString, wrongTypes) }),
  fc.record({ field: fc.constant('data'), value: fc.oneof(fc.constantFrom('text', 1, null, true), fc.array(fc.integer()), deepNesting) }),
  fc.record({ field: fc.constant('datacontenttype'), value: fc.oneof(fc.constantFrom('text/plain', 'application/xml', ''), wrongTypes) }),
  fc.record({ field: hostileKeys, value: fc.oneof(fc.constant({ polluted: true }), wrongTypes) }),
  fc.record({ field: fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !['specversion', 'id', 'source', 'type', 'time', 'subject', 'data', 'datacontenttype', 'dataschema', 'actor', 'recordedtime'].includes(k)), value: fc.string() }),
);
const dataMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ field: fc.constant('route'), value: fc.oneof(fc.constantFrom('walking', 'ASYLUM', ''), hugeString, wrongTypes) }),
  fc.record({ field: fc.constant('birthYear'), value: fc.oneof(fc.constantFrom('1990', 1.5, -1, 1e308, 3000), fc.constant(null)) }),
  fc.record({ field: fc.constant('gender'), value: fc.oneof(fc.constantFrom('f', 'woman', ''), wrongTypes) }),
  fc.record({ field: fc.constant('citizenship'), value: fc.oneof(fc.constantFrom('ZZZ', 'se', 'SE', 'SWEE', ''), wrongTypes) }),
  fc.record({ field: fc.constant('unaccompaniedMinor'), value: fc.constantFrom('true', 1, 0, 'yes', null) }),
  fc.record({ field: hostileKeys, value: fc.constant({ polluted: true }) }),
  fc.record({ field: fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !['route', 'birthYear', 'gender', 'citizenship', 'unaccompaniedMinor'].includes(k)), value: fc.oneof(fc.string(), deepNesting) }),
);

/** Serialises with own `__proto__` keys kept as data, as a hostile client would send them. */
function serialise(event: Record<string, unknown>, mutation: Mutation, inData: boolean): string {
  const target = inData ? { ...(event.data as Record<string, unknown>) } : { ...event };
  delete target[mutation.field];
  const body = JSON.stringify(target).slice(0, -1);
  const extra = `${JSON.stringify(mutation.field)}:${JSON.stringify(mutation.value) ?? 'null'}`;
  const patched = `${body}${body.length > 1 ? ',' : ''}${extra}}`;
  if (!inData) return patched;
  const outer = { ...event };
  delete outer.data;
  return `${JSON.stringify(outer).slice(0, -1)},"data":${patched}}`;
}

const brokenJson = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => { try { const v = JSON.parse(s); return !Array.isArray(v); } catch { return true; } }),
  fc.nat({ max: 150 }).map((n) => JSON.stringify(caseOpened(dossier())).slice(0, n)),
  fc.constantFrom('{', '{"a":', '{"specversion":"1.0"}}', '\u0000', 'null', '"string"', '42', 'true', '{"__proto__":{"polluted":true}}', '\uFEFF{}'),
);

const request = fc.oneof(
  { weight: 4, arbitrary: envelopeMutation.map((m) => ({ kind: 'envelope' as const, m })) },
  { weight: 4, arbitrary: dataMutation.map((m) => ({ kind: 'data' as const, m })) },
  { weight: 2, arbitrary: brokenJson.map((body) => ({ kind: 'raw' as const, body })) },
  { weight: 1, arbitrary: fc.record({ header: fc.constantFrom('ce-specversion', 'ce-type', 'ce-subject', 'ce-time', 'ce-colour'), value: fc.constantFrom('2.0', 'Nope', 'dossier:x', 'never', '%E0%A4%A'), body: fc.constantFrom('{}', '{"route":"asylum"}', '[1]x') }).map((b) => ({ kind: 'binary' as const, b })) },
);

describeEachStore('POST /v1/events under hostile input', (kind) => {
  let app: TestApp;
  let token: string;
  beforeAll(async () => {
    app = await startTestApp(kind);
    token = await app.token('migrationsverket', 'integration');
  });
  afterAll(() => app?.close());

  it(`answers ${RUNS} malformed or hostile requests with 4xx problems and stores nothing`, async () => {
    const before = await app.kedja.runtime.store.countAfter(null);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let req = app.http().post('/v1/events').set('Authorization', `Bearer ${token}`);
        let body: string;
        if (r.kind === 'raw') {
          req = req.set('Content-Type', 'application/cloudevents+json');
          body = r.body;
        } else if (r.kind === 'binary') {
          const headers: Record<string, string> = { 'ce-specversion': '1.0', 'ce-id': 'x', 'ce-source': 'urn:x', 'ce-type': 'MigrationCaseOpened', 'ce-time': '2020-01-01T00:00:00Z', 'ce-subject': `dossier:${dossier()}` };
          headers[r.b.header] = r.b.value;
          req = req.set('Content-Type', 'application/json').set(headers);
          body = r.b.body;
        } else {
          req = req.set('Content-Type', 'application/cloudevents+json');
          body = serialise(caseOpened(dossier()), r.m, r.kind === 'data');
        }
        const response = await req.send(body);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(typeof response.body.code).toBe('string');
        expect(JSON.stringify(response.body)).not.toMatch(/\bat .+\.(ts|js):\d+/);
      }),
      { numRuns: RUNS },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await app.kedja.runtime.store.countAfter(null)).toBe(before);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(RUNS);
  }, 300_000);
});
