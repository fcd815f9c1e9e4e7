import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { fastLaneSubject } from '../../apps/api/src/reading/timeline/timeline.fast-lane';
import { AF, Agencies, MV, SUNDSVALL, throughTheChain, type Person } from './scenario';

describe('which timeline paths take the fast lane', () => {
  it.each([
    ['/v1/persons/pnr:199001011239/timeline', 'pnr:199001011239'],
    ['/v1/persons/person:0b6d0c3e-3f0b-4a59-9b7b-7f3c8b2c1d11/timeline?asOf=2024-01-01T00:00:00Z', 'person:0b6d0c3e-3f0b-4a59-9b7b-7f3c8b2c1d11'],
    ['/v1/persons/anything/timeline?', 'anything'],
  ])('%s', (url, subject) => expect(fastLaneSubject(url)).toBe(subject));

  // Everything else goes on to Nest's router, which matches and decodes as it always did.
  it.each([
    '/v1/persons/pnr%3A199001011239/timeline',
    '/v1/persons/x/timeline/',
    '/V1/persons/x/timeline',
    '/v1/persons/x/Timeline',
    '/v1/persons//timeline',
    '/v1/persons/timeline',
    '/v1/persons/a/b/timeline',
    '/v1/persons/lookup',
    'http://example.org/v1/persons/x/timeline',
  ])('not %s', (url) => expect(fastLaneSubject(url)).toBeUndefined());
});

/**
 * The fast lane answers exactly as the Nest route does: each request is sent once in the canonical
 * form (fast lane) and once with a trailing slash (the same route through Nest's router, guard,
 * controller and filter), and status, body and headers must match.
 */
describeEachStore('the timeline fast lane answers as the Nest route', (kind) => {
  let app: TestApp;
  let a: Agencies;
  let p: Person;

  beforeAll(async () => {
    app = await startTestApp(kind);
    a = new Agencies(app);
    p = await throughTheChain(a, { move: true });
  }, 120_000);
  afterAll(() => app?.close());

  const both = async (subject: string, query: string, headers: Record<string, string>) => {
    const send = (path: string) => {
      let request = app.http().get(`${path}${query}`);
      for (const [name, value] of Object.entries(headers)) request = request.set(name, value);
      return request;
    };
    const fast = await send(`/v1/persons/${subject}/timeline`);
    const nest = await send(`/v1/persons/${subject}/timeline/`);
    const headersOf = (r: typeof fast) => {
      // Each answer gets its own request id; both lanes must send one.
      const { date: _date, 'x-request-id': requestId, ...rest } = r.headers as Record<string, string>;
      return { ...rest, 'x-request-id': /^[0-9a-f-]{36}$/.test(requestId) ? '<uuid>' : requestId };
    };
    expect({ status: fast.status, headers: headersOf(fast), body: fast.body }).toEqual({ status: nest.status, headers: headersOf(nest), body: nest.body });
    return fast;
  };

  it('for reads, out of scope, unknown subjects, bad input, refused and missing tokens', async () => {
    const mv = { authorization: `Bearer ${await a.token(MV, 'caseworker')}` };
    const af = { authorization: `Bearer ${await a.token(AF, 'caseworker')}`, 'x-purpose': 'planning' };
    const outside = { authorization: `Bearer ${await a.token('municipality:1280', 'caseworker')}` };
    const analyst = { authorization: `Bearer ${await a.token('analyst', 'analyst')}` };

    expect((await both(p.subject, '', mv)).status).toBe(200);
    expect((await both(`pnr:${p.pnr}`, '', af)).status).toBe(200);
    expect((await both(`person:${p.personId}`, '', { authorization: `Bearer ${await a.token(SUNDSVALL, 'caseworker')}` })).status).toBe(200);
    expect((await both(p.subject, '?asOf=2100-03-01T00:00:00%2B01:00', mv)).status).toBe(200);
    expect((await both(p.subject, '?asOf=2000-01-01T00:00:00Z', mv)).status).toBe(404);
    expect((await both(p.subject, '', outside)).status).toBe(404);
    expect((await both('person:00000000-0000-4000-8000-000000000000', '', mv)).status).toBe(404);
    expect((await both('pnr:199001011234', '', mv)).status).toBe(400);
    expect((await both('nonsense', '', mv)).status).toBe(400);
    expect((await both(p.subject, '?asOf=yesterday', mv)).status).toBe(400);
    expect((await both(p.subject, '?asOf=a&asOf=b', mv)).status).toBe(400);
    expect((await both(p.subject, '', analyst)).status).toBe(403);
    expect((await both(p.subject, '', {})).status).toBe(401);
    expect((await both(p.subject, '', { authorization: 'Bearer not.a.token' })).status).toBe(401);
    expect((await both(p.subject, '', { authorization: 'Basic abc' })).status).toBe(401);
    // Conditional requests are left to express's freshness check, as on the Nest route.
    expect((await both(p.subject, '', { ...mv, 'if-none-match': '*' })).status).toBe(304);
    expect((await both(p.subject, '', { ...mv, 'if-modified-since': 'Sun, 22 Nov 2026 10:00:00 GMT' })).status).toBe(200);
  });

  it('relies on express settings that make its direct write what response.json would send', () => {
    const express = app.kedja.app.getHttpAdapter().getInstance();
    expect(express.get('etag')).toBe(false);
    expect(express.get('json replacer')).toBeUndefined();
    expect(express.get('json spaces')).toBeUndefined();
    expect(express.get('json escape')).toBeFalsy();
  });

  it('audits fast-lane reads like any other, and counts them under the route pattern', async () => {
    const admin = await a.token('platform', 'admin', 'auditor');
    const before = (await a.get(`/v1/audit?subject=person:${p.personId}&limit=1000`, admin)).body.items.length;
    const anna = await a.token(SUNDSVALL, 'caseworker', 'anna');
    await a.get(`/v1/persons/person:${p.personId}/timeline`, anna).set('x-purpose', 'fast lane').expect(200);
    const after = (await a.get(`/v1/audit?subject=person:${p.personId}&limit=1000`, admin)).body.items;
    // The first audit read is itself audited (its own row comes after its answer).
    expect(after).toHaveLength(before + 2);
    expect(after.at(-1)).toEqual(
      expect.objectContaining({ sub: 'anna', actor: SUNDSVALL, action: 'timeline', route: 'GET /v1/persons/{subject}/timeline', purpose: 'fast lane', outcome: 'read' }),
    );
    const metrics = await app.http().get('/metrics');
    expect(metrics.text).toMatch(/kedja_http_requests_total\{method="GET",route="\/v1\/persons\/:subject\/timeline",status="200"\} \d+/);
    expect(metrics.text).not.toContain(p.personId);
  });
});
