import { plainToInstance, Type } from 'class-transformer';
import { IsDefined, IsObject, IsString, MaxLength, ValidateNested, validateSync, type ValidationError } from 'class-validator';
import type { TimeToEventQuery } from '@kedja/analytics';
import type { FieldError } from '../../problems/problem';
import { parseTimeToEventBody } from '../time-to-event/query';

export class AsOfPair {
  @IsDefined({ message: 'is required' })
  @IsString({ message: 'must be an RFC 3339 time with offset or a date (YYYY-MM-DD)' })
  @MaxLength(40, { message: 'must be an RFC 3339 time with offset or a date (YYYY-MM-DD)' })
  a!: string;

  @IsDefined({ message: 'is required' })
  @IsString({ message: 'must be an RFC 3339 time with offset or a date (YYYY-MM-DD)' })
  @MaxLength(40, { message: 'must be an RFC 3339 time with offset or a date (YYYY-MM-DD)' })
  b!: string;
}

/**
 * The envelope of POST /v1/analytics/time-to-event/compare: the time-to-event question without
 * its `asOf`, and the two moments to compare. class-validator checks the envelope; the question
 * itself goes through the time-to-event endpoint's own rules (parseTimeToEventBody), once per
 * moment, so the two endpoints cannot disagree on what a valid question is.
 */
export class CompareAsOfBody {
  @IsDefined({ message: 'is required' })
  @IsObject({ message: 'must be an object { a, b }' })
  @ValidateNested()
  @Type(() => AsOfPair)
  asOf!: AsOfPair;
}

export type ParsedComparison =
  | { readonly ok: true; readonly query: Omit<TimeToEventQuery, 'asOf'>; readonly a: string; readonly b: string }
  | { readonly ok: false; readonly errors: FieldError[] };

function flatten(errors: readonly ValidationError[], prefix = ''): FieldError[] {
  return errors.flatMap((e) => {
    const path = `${prefix}${e.property.slice(0, 60)}`;
    const own = Object.values(e.constraints ?? {}).slice(0, 1).map((message) => ({ path, message }));
    return [...own, ...flatten(e.children ?? [], `${path}.`)];
  });
}

export function parseCompareBody(body: unknown, nowMs: number): ParsedComparison {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
  const record = body as Record<string, unknown>;
  const envelope = plainToInstance(CompareAsOfBody, { asOf: record.asOf });
  const errors = flatten(validateSync(envelope, { forbidUnknownValues: false }));
  if (typeof record.asOf === 'object' && record.asOf !== null && !Array.isArray(record.asOf)) {
    for (const key of Object.keys(record.asOf)) if (key !== 'a' && key !== 'b') errors.push({ path: `asOf.${key.slice(0, 60)}`, message: 'unknown field' });
  }
  const question: Record<string, unknown> = { ...record };
  delete question.asOf;
  const at = (side: 'a' | 'b') => {
    const value = envelope.asOf?.[side];
    const parsed = parseTimeToEventBody(typeof value === 'string' ? { ...question, asOf: value } : question, nowMs);
    return parsed;
  };
  const pa = at('a');
  const pb = at('b');
  if (!pa.ok) errors.push(...pa.errors.map((e) => (e.path === 'asOf' ? { ...e, path: 'asOf.a' } : e)));
  if (!pb.ok) {
    // The question's own errors are the same for both moments; only asOf.b is new.
    for (const e of pb.errors) if (e.path === 'asOf') errors.push({ ...e, path: 'asOf.b' });
      else if (pa.ok) errors.push(e);
  }
  if (errors.length > 0 || !pa.ok || !pb.ok) return { ok: false, errors: dedupe(errors) };
  const a = pa.query.asOf!;
  const b = pb.query.asOf!;
  if (Date.parse(b) < Date.parse(a)) return { ok: false, errors: [{ path: 'asOf.b', message: 'must not be before asOf.a' }] };
  const query: Omit<TimeToEventQuery, 'asOf'> = { ...pa.query };
  delete (query as { asOf?: string }).asOf;
  return { ok: true, query, a, b };
}

function dedupe(errors: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const id = `${e.path}\u0000${e.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
