import { UNNAMED_FIELD, containsPersonalIdentifier, maskPersonalIdentifiers } from '@kedja/chain';

/**
 * RFC 9457 problem details with the contract's stable codes. Every error the service answers is
 * one of these; `detail` and `errors` never carry a personnummer, a dossier number or a stack.
 */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors?: readonly FieldError[];
}

const TITLES: Record<string, [number, string]> = {
  'invalid-event': [400, 'The event is invalid'],
  'unknown-event-type': [400, 'Unknown event type'],
  'invalid-request': [400, 'The request is invalid'],
  unauthorized: [401, 'Authentication required'],
  'not-permitted': [403, 'Not permitted'],
  'not-found': [404, 'Not found'],
  'subject-exists': [409, 'The subject already exists'],
  'identifier-conflict': [409, 'The identifier belongs to another person'],
  'duplicate-id-conflict': [409, 'An event with this id and source exists with different content'],
  'payload-too-large': [413, 'The request body is too large'],
  'unsupported-media-type': [415, 'Unsupported content type'],
  'unknown-subject': [422, 'Unknown subject'],
  'rule-violation': [422, 'A recording rule was violated'],
  'method-not-allowed': [405, 'Method not allowed'],
  'rate-limited': [429, 'Too many requests'],
  unavailable: [503, 'Service unavailable'],
  internal: [500, 'Internal error'],
};

export type ProblemCode = keyof typeof TITLES;

export function problemType(code: string): string {
  return `urn:kedja:problem:${code}`;
}

export function problem(code: ProblemCode, detail: string, errors?: readonly FieldError[]): ProblemBody {
  const [status, title] = TITLES[code] ?? [500, 'Error'];
  return { type: problemType(code), title, status, detail, code, ...(errors && errors.length > 0 ? { errors } : {}) };
}

export class ProblemError extends Error {
  readonly body: ProblemBody;
  /** Response headers that belong to the answer (`Retry-After` of a 429 or of a 503 that will pass). */
  headers?: Readonly<Record<string, string>>;
  constructor(code: ProblemCode, detail: string, errors?: readonly FieldError[], headers?: Readonly<Record<string, string>>) {
    super(detail);
    this.body = problem(code, detail, errors);
    if (headers) this.headers = headers;
  }
  get status(): number {
    return this.body.status;
  }
  retryAfter(seconds: number): this {
    this.headers = { ...this.headers, 'Retry-After': String(seconds) };
    return this;
  }
}

export const PROBLEM_CODES = Object.keys(TITLES);

/**
 * The last guard before a problem leaves the service (CONTRACT.md v1.1): a detail, path or message
 * that holds a personal identifier in any spelling (a rule quoting an id the caller sent, a field
 * name) is masked, a path replaced by `<unnamed field>`. Validation already avoids quoting input;
 * this keeps a future message from undoing that.
 */
export function redactProblem(body: ProblemBody): ProblemBody {
  let changed = containsPersonalIdentifier(body.detail);
  const errors = body.errors?.map((e) => {
    const badPath = containsPersonalIdentifier(e.path);
    const badMessage = containsPersonalIdentifier(e.message);
    if (!badPath && !badMessage) return e;
    changed = true;
    return {
      path: badPath ? (e.path.startsWith('data.') ? `data.${UNNAMED_FIELD}` : UNNAMED_FIELD) : e.path,
      message: badMessage ? maskPersonalIdentifiers(e.message) : e.message,
    };
  });
  if (!changed) return body;
  return { ...body, detail: maskPersonalIdentifiers(body.detail), ...(errors ? { errors } : {}) };
}
