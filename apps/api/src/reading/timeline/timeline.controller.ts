import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import { TimelineReads } from './timeline-reads';

/**
 * GET timeline requests in the canonical form are answered by the fast lane before they reach
 * Nest's router (timeline.fast-lane.ts); this route answers the rest (HEAD, a percent-encoded or
 * differently cased path, a trailing slash) from the same TimelineReads.
 */
@Controller('v1/persons')
export class TimelineController {
  constructor(private readonly reads: TimelineReads) {}

  @Get(':subject/timeline')
  timeline(@Param('subject') subject: string, @Query('asOf') asOfRaw: unknown, @Req() request: Request, @CurrentPrincipal() claims: Principal) {
    return this.reads.timeline(claims, subject, asOfRaw, request);
  }

  @Post('lookup')
  @HttpCode(200)
  lookup(@Body() body: unknown, @Req() request: Request, @CurrentPrincipal() claims: Principal) {
    return this.reads.lookup(claims, body, request);
  }
}
