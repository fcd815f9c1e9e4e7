import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PostgresDatabase, type EventStore, type SqlDatabase } from '@kedja/event-store';
import { productVersion } from '@kedja/operations';
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
  readonly storeTime = new Histogram({
    name: 'kedja_store_operation_duration_seconds',
    help: 'Event store writes: commit (the appending transaction) and sync (the wait for the disk before acknowledging)',
    labelNames: ['store', 'operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor() {
    // Stock names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...), so the standard
    // Node.js dashboards and alerts find them; only Kedja's own series carry the kedja_ prefix.
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'kedja_build_info', help: 'Always 1; the labels say what runs', labelNames: ['version', 'node'], registers: [this.registry] })
      .set({ version: productVersion(), node: process.versions.node }, 1);
  }

  /**
   * Times the store's commit and sync, the two waits of every acknowledged event, by wrapping the
   * two methods of this instance (one observation each; no extra round trip). On PostgreSQL also
   * the pool's connections in use, idle and waited for.
   */
  instrumentStore(store: EventStore, db: SqlDatabase): void {
    const kind = store.kind;
    const appendMany = store.appendMany.bind(store);
    const sync = store.sync.bind(store);
    const time = <T>(operation: string, work: () => Promise<T>): Promise<T> => {
      const end = this.storeTime.startTimer({ store: kind, operation });
      return work().finally(() => end());
    };
    store.appendMany = (appends, options) => time('commit', () => appendMany(appends, options));
    store.sync = () => time('sync', sync);
    if (db instanceof PostgresDatabase) {
      const pool = db.pool;
      new Gauge({
        name: 'kedja_store_pool_connections', help: 'PostgreSQL pool connections by state (total, idle, waiting requests)', labelNames: ['state'], registers: [this.registry],
        collect() {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        },
      });
    }
  }
}

@Injectable()
export class RecordingMetrics {
  constructor(private readonly metrics: MetricsRegistry) {}

  count(results: readonly EventResult[]): void {
    for (const result of results) this.metrics.events.inc({ status: result.status, code: result.problem?.code ?? '' });
  }
}
