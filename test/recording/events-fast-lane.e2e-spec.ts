import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { isEventsPath } from '../../apps/api/src/recording/events.fast-lane';
import { caseOpened, ce, dossier } from '../support/events';

describe('which event posts take the fast lane', () => {
  it.each(['/v1/events', '/v1/events?x=1'])('%s', (url) => expect(isEventsPath(url)).toBe(true));
  it.each(['/v1/events/', '/V1/events', '/v1/Events', '/v1/eventsx', '/v1/events/x', 'http://example.org/v1/events'])('not %s', (url) =>
    expect(isEventsPath(url)).toBe(false));
});

/**
 * The fast lane answers exactly as the Nest route: each request goes once to `/v1/events` (fast
 * lane) and once to `/v1/events/` (express's router, Nest's guard, controller and filter), each
 * with its own fresh event where it records one, and status, headers and body must match (ids
 * and person ids aside, which differ by construction).
 */
describeEachStore('the POST /v1/events fast lane answers as the Nest route', (kind) => {
  let app: TestApp;
  let mv = '';
  beforeAll(async () => {
    app = await startTestApp(kind);
    mv = await app.token('migrationsverket', 'integration');
  }, 60_000);
  afterAll(() => app?.close());

  const send = (path: string, body: string | undefined, headers: Record<string, string>) => {
    let request = app.http().post(path);
    for (const [name, value] of Object.entries(headers)) request = request.set(name, value);
    return body === undefined ? request : request.send(body);
  };
  const comparable = (r: Awaited<ReturnType<typeof send>>) => {
    const { date: _date, 'content-length': _length, 'x-request-id': requestId, ...rest } = r.headers as Record<string, string>;
    // Each answer gets its own request id; both lanes must send one.
    const headers = { ...rest, 'x-request-id': /^[0-9a-f-]{36}$/.test(requestId) ? '<uuid>' : requestId };
    const text = JSON.stringify(r.body).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').replace(/"id":"[^"]*"/g, '"id":"<id>"');
    return { status: r.status, headers, body: JSON.parse(text) as unknown };
  };
  /** `make` builds the body for one request (fresh ids each call). */
  const both = async (make: () => string | undefined, headers: Record<string, string>) => {
    const fast = await send('/v1/events', make(), headers);
    const nest = await send('/v1/events/', make(), headers);
    expect(comparable(fast)).toEqual(comparable(nest));
    return fast;
  };
  const auth = () => ({ authorization: `Bearer ${mv}`, 'content-type': 'application/cloudevents+json' });

  it('for new events, batches, duplicates, rule and validation errors, media types and tokens', async () => {
    expect((await both(() => JSON.stringify(caseOpened(dossier())), auth())).status).toBe(201);
    expect((await both(() => JSON.stringify([caseOpened(dossier()), { nonsense: true }]), { ...auth(), 'content-type': 'application/cloudevents-batch+json' })).status).toBe(200);
    const again = caseOpened(dossier());
    await send('/v1/events', JSON.stringify(again), auth());
    expect((await both(() => JSON.stringify(again), auth())).status).toBe(200);
    expect((await both(() => JSON.stringify(ce({ type: 'ResidencePermitGranted', subject: `dossier:${dossier()}`, data: { permitType: 'temporary', ground: 'refugee' } })), auth())).status).toBe(422);
    expect((await both(() => JSON.stringify({ ...caseOpened(dossier()), time: 'yesterday' }), auth())).status).toBe(400);
    expect((await both(() => '{"broken', auth())).status).toBe(400);
    expect((await both(() => 'text', { ...auth(), 'content-type': 'text/plain' })).status).toBe(415);
    expect((await both(() => JSON.stringify(caseOpened(dossier())), { 'content-type': 'application/cloudevents+json' })).status).toBe(401);
    expect((await both(() => JSON.stringify(caseOpened(dossier())), { ...auth(), authorization: 'Bearer not.a.token' })).status).toBe(401);
    const caseworker = await app.token('migrationsverket', 'caseworker');
    expect((await both(() => JSON.stringify(caseOpened(dossier())), { ...auth(), authorization: `Bearer ${caseworker}` })).status).toBe(403);
  });
});
