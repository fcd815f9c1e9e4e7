import type { INestApplication } from '@nestjs/common';
import type { RequestHandler } from 'express';
import { fastLane } from '../core/fast-lane';
import { EventsIntake } from './events.intake';

export const EVENTS_PATTERN = '/v1/events';

/** Whether a request URL is the canonical `/v1/events` (a query string aside). */
export function isEventsPath(url: string): boolean {
  return url === EVENTS_PATTERN || url.startsWith(`${EVENTS_PATTERN}?`);
}

/**
 * `POST /v1/events` without Nest's per-request pipeline (see `fastLane`): for an agency posting
 * one event at a time, express's walk over the routes and Nest's guard, parameter and response
 * plumbing cost about as much as validating and deciding the event. The endpoint itself is
 * EventsIntake, as EventsController calls it. Any other form of the path (a trailing slash,
 * another case) goes on to the router, and answers the same.
 */
export function eventsFastLane(app: INestApplication): RequestHandler {
  const intake = app.get(EventsIntake);
  return fastLane(app, {
    method: 'POST',
    pattern: EVENTS_PATTERN,
    match: (url) => (isEventsPath(url) ? true : undefined),
    answer: (request, principal) => intake.post(request, principal),
  });
}
