import {
  UNNAMED_FIELD, containsPersonalIdentifier, daysInMonth, isEventType, validateEventData, isValidPersonalIdentityNumber, isDossierNumber, reportableName, unsafeStringReason,
} from '@kedja/chain';
import { isActorCode } from '@kedja/auth';
import { FieldError, problem, ProblemBody } from '../problems/problem';

/** Who or what an event is about, as posted. */
export type Subject =
  | { readonly kind: 'dossier'; readonly value: string }
  | { readonly kind: 'pnr'; readonly value: string }
  | { readonly kind: 'person'; readonly value: string };

/** A CloudEvent that passed envelope and data validation. */
export interface ValidEvent {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  /** Normalised to UTC, millisecond precision. */
  readonly time: string;
  readonly subject: Subject;
  readonly data: Record<string, unknown>;
  /** The `actor` extension attribute, if sent. */
  readonly actor?: string;
  /** The `recordedtime` extension attribute (imports only), normalised to UTC. */
  readonly recordedTime?: string;
}

export type ParsedEvent = { readonly ok: true; readonly event: ValidEvent } | { readonly ok: false; readonly id?: string; readonly problem: ProblemBody };

const STANDARD = new Set(['specversion', 'id', 'source', 'type', 'time', 'subject', 'data', 'datacontenttype', 'dataschema']);
const EXTENSIONS = new Set(['actor', 'recordedtime']);
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EARLIEST = Date.parse('1990-01-01T00:00:00Z');
/** Agencies' clocks drift; an event a little ahead of ours is not "in the future". */
export const CLOCK_SKEW_MS = 2 * 60 * 1000;
const MAX_ID = 256;
const MAX_SOURCE = 512;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Parses an RFC 3339 timestamp with offset; returns epoch ms or null. Rejects impossible dates. */
export function parseRfc3339(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return null;
  if (day < 1 || day > daysInMonth(Number(y), month)) return null;
  // Date.parse wants the upper-case T and Z that RFC 3339 also allows in lower case.
  const ms = Date.parse(value[10] === 'T' && value[value.length - 1] !== 'z' ? value : value.toUpperCase());
  return Number.isNaN(ms) ? null : ms;
}

function isUriReference(value: string): boolean {
  // RFC 3986 URI-reference: no whitespace, controls or characters outside its set.
  return /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/.test(value);
}

export function parseSubject(value: unknown): Subject | FieldError {
  if (typeof value !== 'string' || value === '') return { path: 'subject', message: 'is required: dossier:NN-NNNNNN, pnr:YYYYMMDDNNNC or person:<uuid>' };
  const colon = value.indexOf(':');
  const kind = colon > 0 ? value.slice(0, colon) : '';
  const rest = colon > 0 ? value.slice(colon + 1) : '';
  if (kind === 'dossier') {
    return isDossierNumber(rest) ? { kind, value: rest } : { path: 'subject', message: 'a dossier number is 8 digits written NN-NNNNNN' };
  }
  if (kind === 'pnr') {
    return /^\d{12}$/.test(rest) && isValidPersonalIdentityNumber(rest)
      ? { kind, value: rest }
      : { path: 'subject', message: 'a personnummer or samordningsnummer is 12 digits YYYYMMDDNNNC with a valid check digit' };
  }
  if (kind === 'person') {
    return UUID.test(rest) ? { kind, value: rest } : { path: 'subject', message: 'a person id is a lower-case UUID' };
  }
  return { path: 'subject', message: 'must start with dossier:, pnr: or person:' };
}

export interface ParseContext {
  readonly now: number;
  /** Whether the caller imports on behalf of agencies (admin of actor platform). */
  readonly importing: boolean;
  /** The caller's own actor code. */
  readonly tokenActor: string;
}

/**
 * Validates one structured-mode CloudEvent: every bad attribute and data field is named, never
 * echoing its value (it may be a personnummer).
 */
export function parseStructuredEvent(raw: unknown, ctx: ParseContext): ParsedEvent {
  if (!isPlainObject(raw)) {
    return { ok: false, problem: problem('invalid-event', 'Each event must be a JSON object.', [{ path: '', message: 'must be a JSON object' }]) };
  }
  const errors: FieldError[] = [];
  // CONTRACT.md v1.1: every string of an event (attribute names and values, data at any depth) is
  // valid Unicode without control characters; one walk names each bad one, before any other rule
  // looks at it, so no store ever sees a NUL or a lone surrogate.
  const badStrings = unsafeStrings(raw);
  errors.push(...badStrings);
  const idOk = typeof raw.id === 'string' && raw.id !== '' && raw.id.length <= MAX_ID && !badStrings.some((e) => e.path === 'id');
  const id = idOk ? (raw.id as string) : undefined;
  for (const key of Object.keys(raw)) {
    if (!STANDARD.has(key) && !EXTENSIONS.has(key)) errors.push({ path: reportableName(key), message: 'is not an allowed attribute' });
  }
  if (raw.specversion !== '1.0') errors.push({ path: 'specversion', message: 'must be "1.0"' });
  if (id === undefined && !badStrings.some((e) => e.path === 'id')) errors.push({ path: 'id', message: `is required: a non-empty string of at most ${MAX_ID} characters` });
  const source = typeof raw.source === 'string' && raw.source !== '' && raw.source.length <= MAX_SOURCE && isUriReference(raw.source) ? raw.source : undefined;
  if (source === undefined) errors.push({ path: 'source', message: `is required: a URI reference of at most ${MAX_SOURCE} characters, e.g. urn:se:kommun:2281:sfi` });

  const time = parseRfc3339(raw.time);
  if (time === null) errors.push({ path: 'time', message: 'is required: an RFC 3339 timestamp with offset' });
  else if (time > ctx.now + CLOCK_SKEW_MS) errors.push({ path: 'time', message: 'must not be in the future' });
  else if (time < EARLIEST) errors.push({ path: 'time', message: 'must not be before 1990-01-01' });

  const subject = parseSubject(raw.subject);
  if ('path' in subject) errors.push(subject);

  if (raw.datacontenttype !== undefined && !(typeof raw.datacontenttype === 'string' && /^application\/json(\s*;\s*charset=utf-8)?$/i.test(raw.datacontenttype))) {
    errors.push({ path: 'datacontenttype', message: 'must be application/json when present' });
  }
  if (raw.dataschema !== undefined && !(typeof raw.dataschema === 'string' && raw.dataschema !== '' && raw.dataschema.length <= 1024 && isUriReference(raw.dataschema))) {
    errors.push({ path: 'dataschema', message: 'must be a URI when present' });
  }

  let actor: string | undefined;
  if (raw.actor !== undefined) {
    if (typeof raw.actor !== 'string' || !isActorCode(raw.actor)) errors.push({ path: 'actor', message: 'must be an actor code such as municipality:2281' });
    else if (ctx.importing && (raw.actor === 'platform' || raw.actor === 'analyst' || raw.actor.startsWith('county:'))) {
      errors.push({ path: 'actor', message: 'must name a reporting agency' });
    } else if (!ctx.importing && raw.actor !== ctx.tokenActor) errors.push({ path: 'actor', message: "must equal the token's actor" });
    else actor = raw.actor;
  } else if (ctx.importing) {
    errors.push({ path: 'actor', message: 'is required when importing: the agency that reported the event' });
  }

  let recordedTime: number | undefined;
  if (raw.recordedtime !== undefined) {
    if (!ctx.importing) errors.push({ path: 'recordedtime', message: 'may only be sent by an import (admin of actor platform)' });
    else {
      const parsed = parseRfc3339(raw.recordedtime);
      if (parsed === null) errors.push({ path: 'recordedtime', message: 'must be an RFC 3339 timestamp with offset' });
      else if (parsed > ctx.now + CLOCK_SKEW_MS) errors.push({ path: 'recordedtime', message: 'must not be in the future' });
      else if (time !== null && parsed < time) errors.push({ path: 'recordedtime', message: 'must not be before time' });
      else recordedTime = parsed;
    }
  }

  let timeText: string | undefined;
  let unknownType = false;
  if (typeof raw.type !== 'string' || raw.type === '') errors.push({ path: 'type', message: 'is required: an event type of the catalogue' });
  else if (!isEventType(raw.type)) unknownType = true;

  if (raw.data === undefined) errors.push({ path: 'data', message: 'is required: a JSON object ({} for events without fields)' });
  else if (!isPlainObject(raw.data)) errors.push({ path: 'data', message: 'must be a JSON object' });
  else if (typeof raw.type === 'string' && !unknownType) {
    // Rules relative to the event time (birth year, planned end) use receipt time when `time`
    // itself is bad, so every bad data field is still named in one answer.
    errors.push(...validateEventData(raw.type as never, raw.data, { time: timeText ??= new Date(time ?? ctx.now).toISOString() }));
  }

  // A rejected event's id comes back in its result; not when it spells a personal identifier.
  const echoId = id !== undefined && !containsPersonalIdentifier(id) ? id : undefined;
  if (unknownType && errors.length === 0) {
    return { ok: false, id: echoId, problem: problem('unknown-event-type', 'The type is not an event type of the catalogue.', [{ path: 'type', message: 'is not an event type of the catalogue' }]) };
  }
  if (unknownType) errors.push({ path: 'type', message: 'is not an event type of the catalogue' });
  if (errors.length > 0) {
    return { ok: false, id: echoId, problem: problem(unknownType && errors.length === 1 ? 'unknown-event-type' : 'invalid-event', describe(errors), errors) };
  }
  return {
    ok: true,
    event: {
      id: id!,
      source: source!,
      type: raw.type as string,
      time: timeText ?? new Date(time!).toISOString(),
      subject: subject as Subject,
      data: raw.data as Record<string, unknown>,
      actor,
      recordedTime: recordedTime === undefined ? undefined : new Date(recordedTime).toISOString(),
    },
  };
}

const NO_ERRORS: FieldError[] = [];
// Any control character or any surrogate: a cheap first pass on the ingest path, which then needs
// no paths built and no names checked; a pair of surrogates is well formed and passes the walk.
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u001f\u007f\ud800-\udfff]/;

/** Whether any string or name in the value might be unsafe (iterative: nesting is the caller's). */
function suspectStrings(root: Record<string, unknown>): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (SUSPECT.test(value)) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        if (SUSPECT.test(key)) return true;
        stack.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

const STRING_PROBLEMS = {
  control: 'must not contain control characters (U+0000-U+001F, U+007F)',
  surrogate: 'must be valid Unicode (no lone surrogates)',
} as const;

/**
 * Every string in the event that is not valid Unicode or holds a control character, by path:
 * a bad attribute or field name is itself reported, as `<unnamed field>` (never echoed).
 */
function unsafeStrings(raw: Record<string, unknown>): FieldError[] {
  if (!suspectStrings(raw)) return NO_ERRORS;
  const errors: FieldError[] = [];
  const stack: Array<[string, unknown]> = [];
  for (const key of Object.keys(raw)) {
    const keyProblem = unsafeStringReason(key);
    if (keyProblem) errors.push({ path: UNNAMED_FIELD, message: STRING_PROBLEMS[keyProblem] });
    else stack.push([reportableName(key), raw[key]]);
  }
  // A hostile body may hold thousands of bad strings; the first 50 make the point.
  while (stack.length > 0 && errors.length < 50) {
    const [path, value] = stack.pop()!;
    if (typeof value === 'string') {
      const reason = unsafeStringReason(value);
      if (reason) errors.push({ path, message: STRING_PROBLEMS[reason] });
    } else if (Array.isArray(value)) {
      if (path.length > 2048) continue; // nesting this deep is refused by the data rules anyway
      value.forEach((item, i) => stack.push([`${path}[${i}]`, item]));
    } else if (typeof value === 'object' && value !== null) {
      if (path.length > 2048) continue;
      for (const key of Object.keys(value)) {
        const keyProblem = unsafeStringReason(key);
        if (keyProblem) errors.push({ path: `${path}.${UNNAMED_FIELD}`, message: STRING_PROBLEMS[keyProblem] });
        else stack.push([`${path}.${reportableName(key)}`, (value as Record<string, unknown>)[key]]);
      }
    }
  }
  return errors.reverse();
}

function describe(errors: readonly FieldError[]): string {
  const paths = [...new Set(errors.map((e) => e.path || '(body)'))];
  return `Invalid ${paths.length === 1 ? 'field' : 'fields'}: ${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ', …' : ''}.`;
}

/** Binary content mode: attributes come as `ce-` headers, the body is the data. */
export function binaryToStructured(headers: Record<string, string | string[] | undefined>, body: unknown): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.toLowerCase().startsWith('ce-')) continue;
    const attribute = name.slice(3).toLowerCase();
    // CloudEvents HTTP binding: header values are percent-encoded where needed.
    const text = Array.isArray(value) ? value.join(',') : value ?? '';
    let decoded = text;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      decoded = text;
    }
    event[attribute] = decoded;
  }
  event.data = body;
  return event;
}

export function hasBinaryHeaders(headers: Record<string, unknown>): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase().startsWith('ce-'));
}
