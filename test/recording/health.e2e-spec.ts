import { startTestApp, type TestApp } from '../support/test-app';
import { caseOpened, dossier } from '../support/events';

describe('operations endpoints', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('sqlite');
  });
  afterAll(() => app?.close());

  it('GET /health reports the store and every projection with its lag, without a token', async () => {
    const token = await app.token('migrationsverket', 'integration');
    await app.http().post('/v1/events').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(JSON.stringify(caseOpened(dossier())));
    await app.kedja.runtime.projections!.waitUntilCaughtUp(30_000);
    const response = await app.http().get('/health');
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
    expect(response.body.store).toMatchObject({ kind: 'sqlite', ok: true, events: 1 });
    expect(response.body.projections.length).toBeGreaterThanOrEqual(6);
    for (const p of response.body.projections) expect(p).toMatchObject({ applied: 1, lag: 0, running: true });
  });

  it('GET /metrics exposes request counts by route pattern, events and projection lag, never an identifier', async () => {
    const token = await app.token('municipality:2281', 'caseworker');
    await app.http().get('/v1/persons/pnr:199203153821/timeline').set('Authorization', `Bearer ${token}`);
    await app.http().get('/v1/persons/dossier:24-000123/timeline').set('Authorization', `Bearer ${token}`);
    const response = await app.http().get('/metrics');
    expect(response.status).toBe(200);
    expect(response.text).toContain('kedja_http_requests_total');
    expect(response.text).toContain('route="/v1/persons/:subject/timeline"');
    expect(response.text).toMatch(/kedja_events_total\{status="recorded",code=""\} 1/);
    expect(response.text).toContain('kedja_projection_lag_events');
    expect(response.text).not.toContain('199203153821');
    expect(response.text).not.toContain('24-000123');
  });
});
