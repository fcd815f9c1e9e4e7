import type { INestApplication } from '@nestjs/common';
import type { RequestHandler } from 'express';
import { fastLane } from '../../core/fast-lane';
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
 * `GET /v1/persons/{subject}/timeline` in its canonical form without Nest's per-request pipeline
 * (see `fastLane`): the read is TimelineReads, as TimelineController calls it.
 */
export function timelineFastLane(app: INestApplication): RequestHandler {
  const reads = app.get(TimelineReads);
  return fastLane(app, {
    method: 'GET',
    pattern: TIMELINE_PATTERN,
    match: fastLaneSubject,
    answer: async (request, principal, subject) =>
      ({ status: 200, body: await reads.timeline(principal, subject, (request.query as Record<string, unknown>).asOf, request) }),
  });
}
