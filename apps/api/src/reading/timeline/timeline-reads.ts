import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { actorCode } from '@kedja/access';
import type { Principal } from '../../auth/principal';
import { ProblemError } from '../../problems/problem';
import { parseRfc3339, isPlainObject } from '../../recording/envelope';
import { AuditLog } from '../../audit/audit-log';
import { personNotFound, purposeOf, readerFor, subjectOf, type Reader } from '../reader';
import { JsonText } from '../../core/json-text';
import { PersonStreams } from './person-stream';
import { KEDJA_RUNTIME } from '../../runtime/tokens';
import type { KedjaRuntime } from '../../runtime/runtime';

const TIMELINE_ROUTE = 'GET /v1/persons/{subject}/timeline';
const LOOKUP_ROUTE = 'POST /v1/persons/lookup';
/**
 * A refused read (an unknown subject, or a person outside the caller's scope) is answered no sooner
 * than this after it began. The two refusals do different work — an out-of-scope person's events
 * are read and scoped, an unknown subject has none — and without a common floor their response
 * times alone tell a caller that the person exists (Amendments v1.1 "Unknown and out of scope
 * answer alike"; measured by `npm run bench -- --only secrecy`). Well above an ordinary refusal's
 * own time (about 1 ms); a read that is answered is never delayed.
 */
export const REFUSED_READ_FLOOR_MS = 5;

const REFUSAL = 'Person-level timelines are read by caseworkers of a reporting agency, municipality or region; county boards, analysts and the platform never read them.';

/**
 * A person's timeline and the subject lookup, for the controller and for the timeline's fast lane
 * (timeline.fast-lane.ts): both answer from here, so they cannot drift apart.
 */
@Injectable()
export class TimelineReads {
  constructor(
    private readonly audit: AuditLog,
    private readonly streams: PersonStreams,
    @Inject(KEDJA_RUNTIME) private readonly runtime: KedjaRuntime,
  ) {}

  /** The timeline's body as JSON text, `{ personId, summary, events }` (see renderTimeline). */
  async timeline(claims: Principal, subject: unknown, asOfRaw: unknown, request: Request): Promise<JsonText> {
    const reader = readerFor(claims, 'read-timeline', REFUSAL);
    let asOf: string | undefined;
    if (asOfRaw !== undefined) {
      const ms = parseRfc3339(asOfRaw);
      if (ms === null) throw new ProblemError('invalid-request', 'asOf must be an RFC 3339 time with offset.', [{ path: 'asOf', message: 'must be an RFC 3339 time with offset' }]);
      asOf = new Date(ms).toISOString();
    }
    const { json } = await this.read(reader, subject, request, 'timeline', TIMELINE_ROUTE, asOf);
    return new JsonText(json);
  }

  async lookup(claims: Principal, body: unknown, request: Request): Promise<{ personId: string }> {
    const reader = readerFor(claims, 'read-timeline', REFUSAL);
    if (!isPlainObject(body)) throw new ProblemError('invalid-request', 'Send a JSON object { "subject" }.', [{ path: '', message: 'must be a JSON object' }]);
    const extra = Object.keys(body).filter((k) => k !== 'subject');
    if (extra.length > 0) throw new ProblemError('invalid-request', 'Only subject may be sent.', extra.map((k) => ({ path: k.slice(0, 64), message: 'is not an allowed field' })));
    const { personId } = await this.read(reader, body.subject, request, 'lookup', LOOKUP_ROUTE);
    return { personId };
  }

  /** Resolves, scopes and audits one read; out of scope and unknown answer the same 404. */
  private async read(reader: Reader, subject: unknown, request: Request, action: string, route: string, asOf?: string): Promise<{ personId: string; json: string }> {
    const started = performance.now();
    const { kind, value } = subjectOf(subject);
    // Looked up by keyed hash: the clear identifier is never compared in, or sent to, the database.
    const read = await this.streams.read(kind, this.runtime.personalData.index(kind, value), reader.actor, asOf);
    // Written before anything is answered. An unknown subject is written too (with no person and
    // never the identifier): an attempt worth keeping, and the same work as an out-of-scope read,
    // whose answer would otherwise come measurably later than an unknown one's.
    await this.audit.record([
      {
        at: new Date().toISOString(),
        sub: reader.sub,
        actor: actorCode(reader.actor),
        action,
        personId: read?.personId ?? '',
        route,
        purpose: purposeOf(request),
        asOf: asOf ?? null,
        outcome: read === null ? 'unknown-subject' : read.json !== null ? 'read' : 'out-of-scope',
      },
    ]);
    if (read === null || read.json === null) {
      // Re-checked after each timer: a timer counts from the event loop's cached time, which is
      // older the more work ran before it was set, so one timer alone let the out-of-scope
      // refusal (more work) answer ~0.2 ms sooner than the unknown one.
      const deadline = started + REFUSED_READ_FLOOR_MS;
      for (let left = deadline - performance.now(); left > 0; left = deadline - performance.now()) {
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)));
      }
      throw personNotFound();
    }
    return { personId: read.personId, json: read.json };
  }
}
