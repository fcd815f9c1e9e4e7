import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthService } from './health.service';

/**
 * Three probes (documented by hand in openapi.ts): `/health/live` says the process answers (an
 * orchestrator restarts it otherwise, so it checks nothing else); `/health/ready` says it can
 * serve (the store answers), 503 otherwise, so a load balancer stops routing to it; `/health` is
 * the operator's report: the same readiness code, with every projection and the reasons for
 * `degraded` (no projector running, projections far behind). A missing projector does not make the
 * api unready: it still records events, which is what must not stop.
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  async get(@Res({ passthrough: true }) response: Response) {
    const report = await this.health.report();
    if (report.status === 'down') response.status(503).setHeader('Retry-After', '5');
    return report;
  }

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const report = await this.health.report();
    if (report.status === 'down') response.status(503).setHeader('Retry-After', '5');
    return { status: report.status === 'down' ? 'not-ready' : 'ready', reasons: report.reasons };
  }
}
