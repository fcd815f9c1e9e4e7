import type { INestApplication } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { TokenVerifier } from '@kedja/auth';
import { TOKEN_VERIFIER, authenticate } from '../../auth/auth.guard';
import type { Principal } from '../../auth/principal';
import { MetricsRegistry } from '../../metrics/metrics.service';
import { ROUTE_PATTERN, RequestLogMiddleware } from '../../metrics/request-log.middleware';
import { ProblemFilter } from '../../problems/problem.filter';
import { TimelineReads } from './timeline-reads';

/** How express's router labels the route (request metrics). */
export const TIMELINE_PATTERN = '/v1/persons/:subject/timeline';
const PREFIX = '/v1/persons/';
const SUFFIX = '/timeline';

/**
 * The subject of a timeline path in its canonical form (`/v1/persons/<subject>/timeline`, lower
 * case, no trailing slash, nothing percent-encoded), or undefined. Only those take the fast lane;
 * every other path goes on to the router, which matches more loosely (any case, a trailing slash)
 * and decodes the parameter, exactly as before.
 */
export function fastLaneSubject(url: string): string | undefined {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (!path.startsWith(PREFIX) || !path.endsWith(SUFFIX)) return undefined;
  const subject = path.slice(PREFIX.length, path.length - SUFFIX.length);
  if (subject === '' || subject.includes('/') || subject.includes('%')) return undefined;
  return subject;
}

/**
 * `GET /v1/persons/{subject}/timeline` without Nest's per-request pipeline. Profiles of timeline
 * reads under load put express's walk over every registered route and Nest's guard, parameter
 * and response plumbing at about a third of the request's CPU. Mounted right after the body
 * parser, it does what that pipeline does for this route, with the same code: the access log and
 * request metrics (RequestLogMiddleware, labelled with the route pattern), the bearer token
 * (`authenticate`, as AuthGuard), the read (TimelineReads, as TimelineController), `200` with
 * the bytes and headers `response.json` sends (as Nest's express adapter), and every error through ProblemFilter.
 */
export function timelineFastLane(app: INestApplication): RequestHandler {
  const reads = app.get(TimelineReads);
  const verifier = app.get<symbol, TokenVerifier>(TOKEN_VERIFIER);
  const requestLog = new RequestLogMiddleware(app.get(MetricsRegistry));
  const problems = new ProblemFilter();

  const answer = async (request: Request & { principal?: Principal }, response: Response, next: NextFunction, subject: string): Promise<void> => {
    try {
      const claims = await authenticate(request, verifier);
      request.principal = claims;
      const body = await reads.timeline(claims, subject, (request.query as Record<string, unknown>).asOf, request);
      if (request.headers['if-none-match'] !== undefined || request.headers['if-modified-since'] !== undefined) {
        // express's freshness check can turn these into a bare 304: leave them to it.
        response.status(200).json(body);
        return;
      }
      // What `response.json` sends for a body without conditional headers (no ETag, no JSON
      // replacer or spaces configured), without its per-call header parsing and Buffer copy.
      const text = JSON.stringify(body);
      response.statusCode = 200;
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
      response.end(text, 'utf8');
    } catch (error) {
      problems.catch(error, new ExecutionContextHost([request, response, next]));
    }
  };

  return (request, response, next) => {
    if (request.method !== 'GET') return next();
    const subject = fastLaneSubject(request.url);
    if (subject === undefined) return next();
    (request as Request & { [ROUTE_PATTERN]?: string })[ROUTE_PATTERN] = TIMELINE_PATTERN;
    requestLog.use(request, response, () => void answer(request, response, next, subject));
  };
}
