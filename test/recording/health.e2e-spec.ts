import { PROJECTIONS } from '@kedja/projections';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
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
    expect(response.body.reasons).toEqual([]);
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
    // Stock names for the default metrics (no kedja_ prefix), so standard dashboards find them.
    expect(response.text).toMatch(/^process_cpu_seconds_total /m);
    expect(response.text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(response.text).not.toContain('kedja_process_');
    expect(response.text).toMatch(/^kedja_build_info\{version="0\.1\.0",node="[\d.]+"\} 1$/m);
    expect(response.text).toMatch(/^kedja_store_operation_duration_seconds_count\{store="sqlite",operation="commit"\} [1-9]/m);
    expect(response.text).toMatch(/^kedja_store_operation_duration_seconds_count\{store="sqlite",operation="sync"\} [1-9]/m);
    expect(response.text).not.toContain('199203153821');
    expect(response.text).not.toContain('24-000123');
  });
});

// Production mode: apps/projector applies the projections and the api only reports them. Before
// any projector has run, /health must still answer (an orchestrator's probe would otherwise
// restart a healthy api), naming each projection as not built, and the views say 503, not 500.
describeEachStore('operations endpoints before any projector has run', (kind) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(kind, { KEDJA_PROJECTIONS_IN_PROCESS: 'false' });
  });
  afterAll(() => app?.close());

  it('GET /health reports every projection as not running, with the whole log as its lag, and says no projector runs', async () => {
    const token = await app.token('migrationsverket', 'integration');
    const posted = await app.http().post('/v1/events').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(JSON.stringify(caseOpened(dossier())));
    expect(posted.status).toBe(201);
    const response = await app.http().get('/health');
    // Still 200: the api records events without a projector; the report says what is missing.
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('degraded');
    expect(response.body.reasons.join(' ')).toMatch(/no projector is running/);
    const ready = await app.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', reasons: response.body.reasons });
    expect((await app.http().get('/health/live')).body).toEqual({ status: 'ok' });
    expect(response.body.projections.map((p: { name: string }) => p.name).sort()).toEqual(PROJECTIONS.map((p) => p.name).sort());
    for (const p of response.body.projections) expect(p).toEqual({ name: p.name, applied: 0, lag: 1, running: false });
  });

  it('a view answers 503 unavailable with Retry-After, saying that no projector is running', async () => {
    const token = await app.token('migrationsverket', 'caseworker');
    const response = await app.http().get('/v1/views/settlement-queue').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('unavailable');
    expect(response.headers['retry-after']).toBe('30');
    expect(response.body.detail).toMatch(/no projector is running/);
  });

  it('GET /metrics reports the store: commit and sync timings, and on PostgreSQL the pool', async () => {
    const metrics = await app.http().get('/metrics');
    expect(metrics.text).toMatch(new RegExp(`^kedja_store_operation_duration_seconds_count\\{store="${kind}",operation="commit"\\} [1-9]`, 'm'));
    if (kind === 'postgres') expect(metrics.text).toMatch(/^kedja_store_pool_connections\{state="total"\} [1-9]/m);
    else expect(metrics.text).not.toContain('kedja_store_pool_connections');
  });
});
