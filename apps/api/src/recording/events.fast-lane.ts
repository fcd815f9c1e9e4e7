import type { INestApplication } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { TokenVerifier } from '@kedja/auth';
import { TOKEN_VERIFIER, authenticate } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { MetricsRegistry } from '../metrics/metrics.service';
import { ROUTE_PATTERN, RequestLogMiddleware } from '../metrics/request-log.middleware';
import { ProblemFilter } from '../problems/problem.filter';
import { EventsIntake } from './events.intake';

export const EVENTS_PATTERN = '/v1/events';

/** Whether a request URL is the canonical `/v1/events` (a query string aside). */
export function isEventsPath(url: string): boolean {
  return url === EVENTS_PATTERN || url.startsWith(`${EVENTS_PATTERN}?`);
}

/**
 * `POST /v1/events` without Nest's per-request pipeline, as the timeline's fast lane (see there):
 * for an agency posting one event at a time, express's walk over the routes and Nest's guard,
 * parameter and response plumbing cost about as much as validating and deciding the event.
 * Mounted after the body parser, it does what that pipeline does for this route with the same
 * code: the access log and request metrics, the bearer token (`authenticate`, as AuthGuard), the
 * endpoint itself (EventsIntake, as EventsController), the answer's bytes and headers as
 * `response.json` sends them, and every error through ProblemFilter. Any other form of the path
 * (a trailing slash, another case) goes on to the router, and answers the same.
 */
export function eventsFastLane(app: INestApplication): RequestHandler {
  const intake = app.get(EventsIntake);
  const verifier = app.get<symbol, TokenVerifier>(TOKEN_VERIFIER);
  const requestLog = new RequestLogMiddleware(app.get(MetricsRegistry));
  const problems = new ProblemFilter();

  const answer = async (request: Request & { principal?: Principal }, response: Response, next: NextFunction): Promise<void> => {
    try {
      const principal = await authenticate(request, verifier);
      request.principal = principal;
      const { status, body } = await intake.post(request, principal);
      const text = JSON.stringify(body);
      response.statusCode = status;
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
      response.end(text, 'utf8');
    } catch (error) {
      problems.catch(error, new ExecutionContextHost([request, response, next]));
    }
  };

  return (request, response, next) => {
    if (request.method !== 'POST' || !isEventsPath(request.url)) return next();
    (request as Request & { [ROUTE_PATTERN]?: string })[ROUTE_PATTERN] = EVENTS_PATTERN;
    requestLog.use(request, response, () => void answer(request, response, next));
  };
}
