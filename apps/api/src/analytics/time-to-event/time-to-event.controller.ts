import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { can, controlComparison, controlTimeToEvent, principalFromClaims } from '@kedja/access';
import { normaliseGroupByKeys } from './group-by';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import type { KedjaConfig } from '../../config/config';
import { ProblemError } from '../../problems/problem';
import { KEDJA_CONFIG, KEDJA_RUNTIME } from '../../runtime/tokens';
import type { KedjaRuntime } from '../../runtime/runtime';
import { parseCompareBody } from '../compare/compare.dto';
import { analyticsTable } from '../histories/histories';
import { parseTimeToEventBody } from './query';
import { compareFromProjection, timeToEventFromProjection } from './run';

@Controller('v1/analytics/time-to-event')
export class TimeToEventController {
  constructor(
    @Inject(KEDJA_RUNTIME) private readonly runtime: KedjaRuntime,
    @Inject(KEDJA_CONFIG) private readonly config: KedjaConfig,
  ) {}

  /**
   * Kaplan–Meier time from one event to the first of others, per group (CONTRACT.md "Analytics"),
   * released under disclosure control (@kedja/access controlTimeToEvent).
   */
  @Post()
  @HttpCode(200)
  async run(@Body() body: unknown, @CurrentPrincipal() claims: Principal) {
    this.permit(claims);
    const nowMs = Date.now();
    const checked = parseTimeToEventBody(body, nowMs);
    if (!checked.ok) throw new ProblemError('invalid-request', `The query is invalid: ${checked.errors.map((e) => e.path || 'body').join(', ')}.`, checked.errors);
    const table = await this.table();
    const result = await this.guard(() => timeToEventFromProjection(this.runtime.db, table, checked.query, new Date(nowMs).toISOString()));
    return controlTimeToEvent(result, normaliseGroupByKeys(checked.query.groupBy), this.config.minCell);
  }

  /** The same question as known at two moments, per group: what changed and how people moved. */
  @Post('compare')
  @HttpCode(200)
  async compare(@Body() body: unknown, @CurrentPrincipal() claims: Principal) {
    this.permit(claims);
    const checked = parseCompareBody(body, Date.now());
    if (!checked.ok) throw new ProblemError('invalid-request', `The comparison is invalid: ${checked.errors.map((e) => e.path || 'body').join(', ')}.`, checked.errors);
    const table = await this.table();
    const comparison = await this.guard(() => compareFromProjection(this.runtime.db, table, checked.query, checked.a, checked.b));
    return controlComparison(comparison, normaliseGroupByKeys(checked.query.groupBy), this.config.minCell);
  }

  private permit(claims: Principal): void {
    const parsed = principalFromClaims(claims);
    if (!parsed.ok || !can(parsed.principal, 'run-analytics')) {
      throw new ProblemError('not-permitted', 'Analytics are run by analysts (role analyst, actor analyst).');
    }
  }

  private async table(): Promise<string> {
    try {
      return await analyticsTable(this.runtime.db, this.runtime.projections);
    } catch {
      throw new ProblemError('unavailable', 'The analytics read model is not built yet; try again shortly.').retryAfter(30);
    }
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // The checks above mirror the library's; a RangeError here is a query they let through.
      if (error instanceof RangeError) throw new ProblemError('invalid-request', error.message, [{ path: '', message: error.message }]);
      throw error;
    }
  }
}
