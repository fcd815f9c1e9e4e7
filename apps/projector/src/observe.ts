import * as http from 'node:http';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventStore } from '@kedja/event-store';
import type { ProjectionStatus } from '@kedja/projections';
import { productVersion } from '@kedja/operations';

export interface ProjectorProbe {
  readonly store: EventStore;
  status(): Promise<ProjectionStatus[]>;
  /** False while starting and once shutdown has begun. */
  serving(): boolean;
}

/**
 * The projector's own small HTTP listener (`KEDJA_PROJECTOR_PORT`): the same probes as the api
 * (`/health/live`, `/health/ready`, `/health`) and `/metrics` with the same names, so one
 * scrape config and one dashboard cover both. node:http, not Nest: four read-only routes.
 */
export function startObservability(probe: ProjectorProbe, port: number, host: string): Promise<http.Server> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({ name: 'kedja_build_info', help: 'Always 1; the labels say what runs', labelNames: ['version', 'node'], registers: [registry] })
    .set({ version: productVersion(), node: process.versions.node }, 1);
  const applied = new Gauge({ name: 'kedja_projection_events_applied', help: 'Events a projection has applied (its checkpoint)', labelNames: ['projection'], registers: [registry] });
  const lag = new Gauge({ name: 'kedja_projection_lag_events', help: 'Events in the log a projection has not applied yet', labelNames: ['projection'], registers: [registry] });
  const owned = new Gauge({ name: 'kedja_projection_owned', help: '1 when this process applies the projection, 0 on standby', labelNames: ['projection'], registers: [registry] });

  const report = async () => {
    try {
      const events = await probe.store.countAfter(null);
      const projections = await probe.status();
      const failing = projections.filter((p) => p.error);
      const reasons = failing.map((p) => `${p.name} failing: ${p.error}`);
      return { status: failing.length > 0 ? 'degraded' : 'ok', reasons, store: { kind: probe.store.kind, ok: true, events }, projections: projections.map((p) => ({ name: p.name, applied: p.applied, lag: p.lag, running: p.running, owned: p.owned, rebuilding: p.rebuilding })) };
    } catch {
      return { status: 'down', reasons: ['the event store is unreachable'], store: { kind: probe.store.kind, ok: false }, projections: [] };
    }
  };

  const server = http.createServer((request, response) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      response.statusCode = status;
      response.setHeader('Content-Type', type);
      if (status === 503) response.setHeader('Retry-After', '5');
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const url = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return send(405, { status: 'method-not-allowed' });
    void (async () => {
      if (url === '/health/live') return send(200, { status: 'ok' });
      if (url === '/health/ready' || url === '/health') {
        const r = probe.serving() ? await report() : { status: 'down', reasons: ['starting or stopping'], projections: [] };
        const code = r.status === 'down' ? 503 : 200;
        return send(code, url === '/health' ? r : { status: code === 200 ? 'ready' : 'not-ready', reasons: r.reasons });
      }
      if (url === '/metrics') {
        for (const p of await probe.status().catch(() => [] as ProjectionStatus[])) {
          applied.set({ projection: p.name }, p.applied);
          lag.set({ projection: p.name }, p.lag);
          owned.set({ projection: p.name }, p.owned ? 1 : 0);
        }
        return send(200, await registry.metrics(), registry.contentType);
      }
      return send(404, { status: 'not-found' });
    })().catch(() => send(500, { status: 'error' }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
