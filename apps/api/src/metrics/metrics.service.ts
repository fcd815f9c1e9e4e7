import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventResult } from '../recording/recorder';

/**
 * One registry per application instance (tests start several). Labels are route patterns and
 * codes, never a raw path: a path may hold a personnummer or dossier number.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'kedja_http_requests_total', help: 'HTTP requests by route pattern and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'kedja_http_request_duration_seconds', help: 'HTTP request latency by route pattern', labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry],
  });
  readonly events = new Counter({ name: 'kedja_events_total', help: 'Posted events by outcome and problem code', labelNames: ['status', 'code'], registers: [this.registry] });
  readonly projectionPosition = new Gauge({ name: 'kedja_projection_events_applied', help: 'Events a projection has applied (its checkpoint)', labelNames: ['projection'], registers: [this.registry] });
  readonly projectionLag = new Gauge({ name: 'kedja_projection_lag_events', help: 'Events in the log a projection has not applied yet', labelNames: ['projection'], registers: [this.registry] });
  readonly cullRuns = new Counter({ name: 'kedja_cull_runs_total', help: 'Daily culling runs by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly culled = new Counter({ name: 'kedja_culled_total', help: 'Audit records and persons\' identifiers culled', labelNames: ['kind'], registers: [this.registry] });
  readonly lastCull = new Gauge({ name: 'kedja_cull_last_run_seconds', help: 'When culling last ran (Unix time)', registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kedja_' });
  }
}

@Injectable()
export class RecordingMetrics {
  constructor(private readonly metrics: MetricsRegistry) {}

  count(results: readonly EventResult[]): void {
    for (const result of results) this.metrics.events.inc({ status: result.status, code: result.problem?.code ?? '' });
  }
}
