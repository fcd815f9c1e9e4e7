import { Inject, Injectable } from '@nestjs/common';
import { KEDJA_RUNTIME } from '../runtime/tokens';
import type { KedjaRuntime } from '../runtime/runtime';
import { MetricsRegistry } from '../metrics/metrics.service';

export interface ProjectionHealth {
  readonly name: string;
  readonly applied: number;
  readonly lag: number;
  readonly running: boolean;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'down';
  /** Why the status is not ok, in words an operator acts on. */
  readonly reasons: readonly string[];
  readonly store: { readonly kind: string; readonly ok: boolean; readonly events?: number; readonly error?: string };
  readonly projections: readonly ProjectionHealth[];
}

/** Projections further behind than this make the service "degraded" (still serving, but stale). */
const LAG_DEGRADED = 10_000;

@Injectable()
export class HealthService {
  constructor(@Inject(KEDJA_RUNTIME) private readonly runtime: KedjaRuntime, private readonly metrics: MetricsRegistry) {}

  async report(): Promise<HealthReport> {
    let store: HealthReport['store'];
    try {
      const events = await this.runtime.store.countAfter(null);
      store = { kind: this.runtime.store.kind, ok: true, events };
    } catch {
      store = { kind: this.runtime.store.kind, ok: false, error: 'the event store is unreachable' };
    }
    const projections = store.ok ? await this.projections() : [];
    const reasons: string[] = [];
    if (!store.ok) reasons.push('the event store is unreachable');
    const stopped = projections.filter((p) => !p.running);
    // The runner's ownership (advisory lock on PostgreSQL, lease on SQLite) says whether any
    // process applies a projection; none means the views will not move.
    if (stopped.length > 0) reasons.push(`no projector is running for ${stopped.map((p) => p.name).join(', ')} (start apps/projector)`);
    const behind = projections.filter((p) => p.lag > LAG_DEGRADED);
    if (behind.length > 0) reasons.push(`projections behind by more than ${LAG_DEGRADED} events: ${behind.map((p) => `${p.name} (${p.lag})`).join(', ')}`);
    const status = !store.ok ? 'down' : reasons.length > 0 ? 'degraded' : 'ok';
    return { status, reasons, store, projections };
  }

  async refreshProjectionGauges(): Promise<void> {
    for (const p of await this.projections().catch(() => [] as ProjectionHealth[])) {
      this.metrics.projectionPosition.set({ projection: p.name }, p.applied);
      this.metrics.projectionLag.set({ projection: p.name }, p.lag);
    }
  }

  private async projections(): Promise<ProjectionHealth[]> {
    return this.runtime.projectionStatus ? this.runtime.projectionStatus() : [];
  }
}
