import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthService } from './health.service';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Liveness and readiness: the event store and projection lag (no token)' })
  async get(@Res({ passthrough: true }) response: Response) {
    const report = await this.health.report();
    // Readiness: a load balancer should stop routing to an instance whose store is down.
    response.status(report.status === 'down' ? 503 : 200);
    return report;
  }
}
