import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { maskSubject } from '@kedja/access';
import { MetricsRegistry } from './metrics.service';

/**
 * The route pattern of a request answered outside express's router (the timeline's fast lane),
 * which therefore has no `request.route`: labelled as the router would have labelled it.
 */
export const ROUTE_PATTERN = Symbol('kedja.routePattern');

type Routed = Request & { [ROUTE_PATTERN]?: string };

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
      const pattern = (request as Routed)[ROUTE_PATTERN];
      const routePath = (request.route as { path?: string } | undefined)?.path;
      const route = pattern ?? (routePath ? `${request.baseUrl}${routePath}` : 'unmatched');
      this.metrics.requests.inc({ method: request.method, route, status: String(response.statusCode) });
      this.metrics.latency.observe({ method: request.method, route }, seconds);
      if (RequestLogMiddleware.enabled) {
        this.logger.log(`${request.method} ${maskSubject(request.originalUrl)} ${response.statusCode} ${(seconds * 1000).toFixed(1)}ms`);
      }
    });
    next();
  }
}
