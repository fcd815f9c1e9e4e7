import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../auth/principal';
import { ProblemError, redactProblem } from '../problems/problem';
import { KEDJA_CONFIG } from '../runtime/tokens';
import type { KedjaConfig } from '../config/config';
import { RecordingMetrics } from '../metrics/metrics.service';
import { clientRequestId } from '../metrics/request-log.middleware';
import { binaryToStructured, hasBinaryHeaders, parseStructuredEvent, type ParseContext } from './envelope';
import { RecordEvents } from './record-events.command';
import type { EventResult } from './recorder';

const AGENCY_ACTOR = /^(migrationsverket|skatteverket|arbetsformedlingen|forsakringskassan|municipality:\d{4}|region:\d{2})$/;

/** What `POST /v1/events` answers when it succeeds; failures are thrown as ProblemError. */
export interface IntakeAnswer {
  readonly status: 200 | 201;
  readonly body: unknown;
}

/**
 * `POST /v1/events` apart from HTTP plumbing: who may post, which content mode, the batch limit,
 * envelope validation, then the RecordEvents command. The controller and the fast lane both
 * answer through this, so the endpoint has one implementation.
 */
@Injectable()
export class EventsIntake {
  constructor(
    private readonly commands: CommandBus,
    @Inject(KEDJA_CONFIG) private readonly config: KedjaConfig,
    private readonly metrics: RecordingMetrics,
  ) {}

  async post(request: { readonly headers: IncomingHttpHeaders; readonly body: unknown }, principal: Principal): Promise<IntakeAnswer> {
    const importing = principal.roles.includes('admin') && principal.actor === 'platform';
    if (!importing && !(principal.roles.includes('integration') && AGENCY_ACTOR.test(principal.actor))) {
      throw new ProblemError('not-permitted', 'Posting events needs the integration role of a reporting agency, or an admin of actor platform importing history.');
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const body: unknown = request.body;
    const ctx: ParseContext = { now: Date.now(), importing, tokenActor: principal.actor };
    const poster = { sub: principal.sub, actor: principal.actor, importing };
    // The caller's trace id as the access log keeps it (never one holding an identifier).
    const requestId = clientRequestId(request);

    let batch: boolean;
    let raws: unknown[];
    if (contentType === 'application/cloudevents-batch+json') {
      if (!Array.isArray(body)) throw new ProblemError('invalid-event', 'A batch must be a JSON array of events.', [{ path: '', message: 'must be a JSON array' }]);
      batch = true;
      raws = body;
    } else if (contentType === 'application/cloudevents+json') {
      batch = false;
      raws = [body];
    } else if (contentType === 'application/json') {
      if (Array.isArray(body)) {
        batch = true;
        raws = body;
      } else if (hasBinaryHeaders(request.headers)) {
        batch = false;
        raws = [binaryToStructured(request.headers, body)];
      } else {
        batch = false;
        raws = [body];
      }
    } else {
      throw new ProblemError('unsupported-media-type', 'Send application/cloudevents+json, application/cloudevents-batch+json or application/json.');
    }
    if (raws.length > this.config.maxBatch) {
      throw new ProblemError('payload-too-large', `A batch holds at most ${this.config.maxBatch} events.`);
    }

    const parsed = raws.map((raw) => parseStructuredEvent(raw, ctx));
    const results = await this.commands.execute(new RecordEvents(parsed, poster, requestId));
    this.metrics.count(results);
    if (batch) return { status: 200, body: { results: results.map((r) => (r.problem ? { ...r, problem: redactProblem(r.problem) } : r)) } };
    return single(results[0]);
  }
}

function single(result: EventResult): IntakeAnswer {
  if (result.status === 'rejected') throw new ProblemError(result.problem!.code as never, result.problem!.detail, result.problem!.errors);
  return { status: result.status === 'recorded' ? 201 : 200, body: { id: result.id, status: result.status, personId: result.personId } };
}
