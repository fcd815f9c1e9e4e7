import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { actorCode, visibleFields, type ActorKind, type ActorRef } from '@kedja/access';
import { readActiveTables } from '@kedja/projections';
import { KEDJA_RUNTIME } from '../../runtime/tokens';
import type { KedjaRuntime } from '../../runtime/runtime';
import { ProblemError } from '../../problems/problem';
import { AuditLog } from '../../audit/audit-log';
import { purposeOf, type Reader } from '../reader';

export interface Clause {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** Renumbers `$1..$n` of a clause to follow `offset` parameters already bound. */
export function shifted(clause: Clause, offset: number): string {
  return clause.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

export function sees(kind: ActorKind, type: string): boolean {
  return visibleFields(kind, type) !== null;
}

/**
 * Which rows a view lists for the caller, as columns every read-model row carries: a
 * municipality lists the people it holds now (its residents and open assignments; someone who
 * moved away is no longer its own, though their timeline up to the move stays readable); a region
 * the people living in its county; a national agency everyone in its mandate (@kedja/access
 * scopeFor, precomputed into `mandates`).
 */
export function scopeClause(actor: ActorRef): Clause {
  switch (actor.kind) {
    case 'municipality':
      return { sql: '(residence_municipality = $1 OR open_assignment = $1)', params: [actor.municipalityCode] };
    case 'region':
      return { sql: 'residence_county = $1', params: [actor.countyCode] };
    case 'migrationsverket':
    case 'skatteverket':
    case 'arbetsformedlingen':
    case 'forsakringskassan':
      return { sql: 'mandates LIKE $1', params: [`%|${actor.kind}|%`] };
    default:
      return { sql: '1 = 0', params: [] };
  }
}

/** How long a client should wait before asking a view that is not built again. */
const VIEW_RETRY_AFTER_SECONDS = 30;

@Injectable()
export class ViewReader {
  constructor(
    @Inject(KEDJA_RUNTIME) readonly runtime: KedjaRuntime,
    private readonly audit: AuditLog,
  ) {}

  /** The active physical tables of a read model; 503 until the projection has been created. */
  async tables(projection: string): Promise<Record<string, string>> {
    try {
      return this.runtime.projections ? await this.runtime.projections.tableNames(projection) : await readActiveTables(this.runtime.db, projection);
    } catch {
      throw new ProblemError('unavailable', await this.whyUnbuilt(projection)).retryAfter(VIEW_RETRY_AFTER_SECONDS);
    }
  }

  /**
   * Why a view has no table yet, from the runner's own state and ownership (advisory lock or
   * lease): on PostgreSQL the api leaves projections to apps/projector, and "try again shortly"
   * was a lie when none runs.
   */
  private async whyUnbuilt(projection: string): Promise<string> {
    const status = await this.runtime.projectionStatus?.().catch(() => undefined);
    const own = status?.find((p) => p.name === projection);
    if (own && !own.running) return `This view is not built yet and no projector is running to build it (start apps/projector: npm run projector).`;
    if (own?.running) return `This view is being built by a projector (${own.lag} event(s) still to apply); try again shortly.`;
    return 'This view is not built yet; try again shortly.';
  }

  query<T>(sql: string, params: readonly unknown[]): Promise<T[]> {
    return this.runtime.db.query<T>(sql, params);
  }

  /** One audit row per listed person, written before the page is answered. */
  async auditListed(reader: Reader, view: string, route: string, request: Request, personIds: readonly string[]): Promise<void> {
    const at = new Date().toISOString();
    const purpose = purposeOf(request);
    await this.audit.record(
      personIds.map((personId) => ({ at, sub: reader.sub, actor: actorCode(reader.actor), action: `view:${view}`, personId, route, purpose, asOf: null, outcome: 'read' as const })),
    );
  }
}

export const isStringTuple = (length: number) => (value: unknown): value is string[] =>
  Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'string');

export function daysFrom(time: string, now: number): number {
  return Math.floor((now - Date.parse(time)) / 86_400_000);
}
