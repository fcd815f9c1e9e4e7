import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { can, principalFromClaims } from '@kedja/access';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import { ProblemError } from '../../problems/problem';
import { KEDJA_RUNTIME } from '../../runtime/tokens';
import type { KedjaRuntime } from '../../runtime/runtime';
import { analyticsTable } from '../histories/histories';
import { parseTimeToEventBody } from './query';
import { timeToEventFromProjection } from './run';

@Controller('v1/analytics/time-to-event')
export class TimeToEventController {
  constructor(@Inject(KEDJA_RUNTIME) private readonly runtime: KedjaRuntime) {}

  /** Kaplan–Meier time from one event to the first of others, per group (CONTRACT.md "Analytics"). */
  @Post()
  @HttpCode(200)
  async run(@Body() body: unknown, @CurrentPrincipal() claims: Principal) {
    const parsed = principalFromClaims(claims);
    if (!parsed.ok || !can(parsed.principal, 'run-analytics')) {
      throw new ProblemError('not-permitted', 'Analytics are run by analysts (role analyst, actor analyst).');
    }
    const nowMs = Date.now();
    const checked = parseTimeToEventBody(body, nowMs);
    if (!checked.ok) throw new ProblemError('invalid-request', `The query is invalid: ${checked.errors.map((e) => e.path || 'body').join(', ')}.`, checked.errors);
    let table: string;
    try {
      table = await analyticsTable(this.runtime.db, this.runtime.projections);
    } catch {
      throw new ProblemError('unavailable', 'The analytics read model is not built yet; try again shortly.').retryAfter(30);
    }
    try {
      return await timeToEventFromProjection(this.runtime.db, table, checked.query, new Date(nowMs).toISOString());
    } catch (error) {
      // The checks above mirror the library's; a RangeError here is a query they let through.
      if (error instanceof RangeError) throw new ProblemError('invalid-request', error.message, [{ path: '', message: error.message }]);
      throw error;
    }
  }
}
