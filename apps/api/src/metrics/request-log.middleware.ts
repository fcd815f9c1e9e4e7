import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { maskSubject } from '@kedja/access';
import { containsPersonalIdentifier } from '@kedja/chain';
import { rootLogger } from '@kedja/operations';
import { MetricsRegistry } from './metrics.service';

/**
 * The route pattern of a request answered outside express's router (the timeline's fast lane),
 * which therefore has no `request.route`: labelled as the router would have labelled it.
 */
export const ROUTE_PATTERN = Symbol('kedja.routePattern');
/** The request's id: the caller's `x-request-id` when it is a plain token, else a fresh UUID. */
export const REQUEST_ID = Symbol('kedja.requestId');

type Routed = Request & { [ROUTE_PATTERN]?: string; [REQUEST_ID]?: string; principal?: { actor?: string } };

/** Ids a client may choose; anything else (long, spaces, control characters) is replaced, never logged. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's `x-request-id` when it may be kept: a plain token that holds no personnummer,
 * samordningsnummer or dossier number (a client may well use a case number as its trace id). It
 * is logged, echoed and stored as the events' correlation id, so anything else is dropped.
 */
export function clientRequestId(request: { readonly headers: IncomingHttpHeaders }): string | undefined {
  const sent = request.headers['x-request-id'];
  return typeof sent === 'string' && CLIENT_REQUEST_ID.test(sent) && !containsPersonalIdentifier(sent) ? sent : undefined;
}

export function requestIdOf(request: Request): string {
  const routed = request as Routed;
  if (routed[REQUEST_ID]) return routed[REQUEST_ID];
  const id = clientRequestId(request) ?? randomUUID();
  routed[REQUEST_ID] = id;
  return id;
}

/**
 * Access log and request metrics. One JSON line per request: request id (echoed in the response's
 * `x-request-id`), method, route pattern, the path masked (a caller may put a personnummer in a
 * URL), status, duration and the actor of the verified token (never the user or the token).
 */
@Injectable()
export class RequestLogMiddleware implements NestMiddleware {
  private static logger: Logger | undefined;
  static enabled = true;

  constructor(private readonly metrics: MetricsRegistry) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(request);
    response.setHeader('x-request-id', requestId);
    response.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const pattern = (request as Routed)[ROUTE_PATTERN];
      const routePath = (request.route as { path?: string } | undefined)?.path;
      const route = pattern ?? (routePath ? `${request.baseUrl}${routePath}` : 'unmatched');
      this.metrics.requests.inc({ method: request.method, route, status: String(response.statusCode) });
      this.metrics.latency.observe({ method: request.method, route }, seconds);
      if (RequestLogMiddleware.enabled) {
        RequestLogMiddleware.logger ??= rootLogger().child({ context: 'HTTP' });
        RequestLogMiddleware.logger.info({
          requestId,
          method: request.method,
          route,
          path: maskSubject(request.originalUrl),
          status: response.statusCode,
          durationMs: Math.round(seconds * 10_000) / 10,
          actor: (request as Routed).principal?.actor ?? null,
        }, `${request.method} ${route} ${response.statusCode}`);
      }
    });
    next();
  }
}
