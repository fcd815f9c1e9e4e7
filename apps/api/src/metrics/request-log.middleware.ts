import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { maskSubject } from '@kedja/access';
import { MetricsRegistry } from './metrics.service';

/** Access log and request metrics. Paths are masked: a caller may put a personnummer in a URL. */
@Injectable()
export class RequestLogMiddleware implements NestMiddleware {
  private readonly logger = new Logger('HTTP');
  static enabled = true;

  constructor(private readonly metrics: MetricsRegistry) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const routePath = (request.route as { path?: string } | undefined)?.path;
      const route = routePath ? `${request.baseUrl}${routePath}` : 'unmatched';
      this.metrics.requests.inc({ method: request.method, route, status: String(response.statusCode) });
      this.metrics.latency.observe({ method: request.method, route }, seconds);
      if (RequestLogMiddleware.enabled) {
        this.logger.log(`${request.method} ${maskSubject(request.originalUrl)} ${response.statusCode} ${(seconds * 1000).toFixed(1)}ms`);
      }
    });
    next();
  }
}
