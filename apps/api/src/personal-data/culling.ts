import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PostgresDatabase } from '@kedja/event-store';
import { DATA_KEY_KIND } from '@kedja/personal-data';
import type { RetentionConfig } from '../config/config';
import { KEDJA_CONFIG, KEDJA_RUNTIME } from '../runtime/tokens';
import type { KedjaConfig } from '../config/config';
import type { KedjaRuntime } from '../runtime/runtime';
import { AuditLog } from '../audit/audit-log';
import { MetricsRegistry } from '../metrics/metrics.service';
import { Erasure } from './erasure';

export interface CullReport {
  readonly dryRun: boolean;
  readonly ranAt: string;
  /** Audit records older than this were (or would be) culled. */
  readonly auditCutoff: string;
  readonly auditRecords: number;
  /** Cases closed before this have their identifiers erased; null when identifier culling is off. */
  readonly identifierCutoff: string | null;
  readonly personsErased: number;
  /** Another instance held the culling lock: this one did nothing. */
  readonly skipped?: boolean;
}

/** Any 64-bit constant private to culling: one instance at a time culls a PostgreSQL database. */
const CULL_LOCK_KEY = 7_236_001_114_214;
const DAY_MS = 24 * 60 * 60 * 1000;

function yearsBefore(now: Date, years: number): string {
  const cutoff = new Date(now.getTime());
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - years);
  return cutoff.toISOString();
}

/**
 * Culling (gallring) by the retention decision: audit records older than KEDJA_RETENTION_AUDIT,
 * and, when KEDJA_RETENTION_IDENTIFIERS is set, the identifiers of persons whose migration case
 * closed longer ago than that (erased as by the erasure endpoint, reason `culling-decision`).
 */
export async function cull(runtime: KedjaRuntime, audit: AuditLog, erasure: Erasure, retention: RetentionConfig, options: { dryRun: boolean; now?: Date }): Promise<CullReport> {
  const now = options.now ?? new Date();
  const auditCutoff = yearsBefore(now, retention.auditYears);
  const identifierCutoff = retention.identifierYears === null ? null : yearsBefore(now, retention.identifierYears);
  const work = async (): Promise<CullReport> => {
    const persons = identifierCutoff === null ? [] : await closedBefore(runtime, identifierCutoff);
    if (options.dryRun) {
      return { dryRun: true, ranAt: now.toISOString(), auditCutoff, auditRecords: await audit.countBefore(auditCutoff), identifierCutoff, personsErased: persons.length };
    }
    for (const personId of persons) await erasure.erase(personId, 'culling-decision', { sub: 'kedja-cull', actor: 'platform' }, 'kedja cull');
    const auditRecords = await audit.cullBefore(auditCutoff);
    return { dryRun: false, ranAt: now.toISOString(), auditCutoff, auditRecords, identifierCutoff, personsErased: persons.length };
  };
  const db = runtime.db;
  if (!(db instanceof PostgresDatabase)) return work();
  // Several api instances share a PostgreSQL database: the one that gets the lock culls, the others
  // skip. (A SQLite file has one api process.) The lock is held by the open transaction on one
  // pooled connection and released when it ends, also if this process dies.
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [CULL_LOCK_KEY]);
    if (!lock.locked) return { dryRun: options.dryRun, ranAt: now.toISOString(), auditCutoff, auditRecords: 0, identifierCutoff, personsErased: 0, skipped: true };
    return work();
  });
}

/** Persons with identifiers still held whose latest MigrationCaseClosed happened before `cutoff`. */
async function closedBefore(runtime: KedjaRuntime, cutoff: string): Promise<string[]> {
  const rows = await runtime.db.query<{ stream_id: string }>(
    `SELECT e.stream_id FROM events e
      WHERE e.type = 'MigrationCaseClosed'
        AND EXISTS (SELECT 1 FROM identities k WHERE k.stream_id = e.stream_id AND k.kind = '${DATA_KEY_KIND}')
      GROUP BY e.stream_id
     HAVING MAX(e.event_time) < $1
      ORDER BY e.stream_id`,
    [cutoff],
  );
  return rows.map((r) => r.stream_id);
}

/** Runs culling once a day in the service (the first run an hour after start), reported in /metrics. */
@Injectable()
export class DailyCulling implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('culling');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    @Inject(KEDJA_RUNTIME) private readonly runtime: KedjaRuntime,
    @Inject(KEDJA_CONFIG) private readonly config: KedjaConfig,
    private readonly audit: AuditLog,
    private readonly erasure: Erasure,
    private readonly metrics: MetricsRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const schedule = (delay: number) => {
      this.timer = setTimeout(() => {
        this.running = this.runOnce().finally(() => schedule(DAY_MS));
      }, delay);
      // Never what keeps the process alive.
      this.timer.unref();
    };
    schedule(60 * 60 * 1000);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  async runOnce(): Promise<CullReport | null> {
    try {
      const report = await cull(this.runtime, this.audit, this.erasure, this.config.retention, { dryRun: false });
      if (!report.skipped) {
        this.metrics.cullRuns.inc({ outcome: 'ok' });
        this.metrics.culled.inc({ kind: 'audit-record' }, report.auditRecords);
        this.metrics.culled.inc({ kind: 'person-identifiers' }, report.personsErased);
        this.metrics.lastCull.set(Date.parse(report.ranAt) / 1000);
      }
      return report;
    } catch (error) {
      this.metrics.cullRuns.inc({ outcome: 'failed' });
      this.logger.error(`culling failed: ${error instanceof Error ? error.name : 'error'}`);
      return null;
    }
  }
}
