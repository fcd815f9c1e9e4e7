import { AGE_BAND_LABELS, ATTRIBUTE_KEYS, CLOSURE_REASONS, type AttributeKey, type TimeToEventQuery } from '@kedja/analytics';
import { isCountyCode, isMunicipalityCode } from '@kedja/chain';
import type { FieldError } from '../../problems/problem';
import { ANALYTICS_TYPE_CODES, isAnalyticsExcluded } from '../histories/projection';

/** Event types a clock may start or stop on: the catalogue without health facts and retractions. */
export const CLOCK_EVENT_TYPES: readonly string[] = ANALYTICS_TYPE_CODES.filter((t) => t !== 'EventRetracted');

const BODY_FIELDS = new Set(['from', 'to', 'competing', 'cohort', 'groupBy', 'asOf', 'horizons']);
const MAX_LIST = 400;
const MAX_HORIZON_DAYS = 36_500;
const CLOCK_SKEW_MS = 60_000;
const EARLIEST_AS_OF = Date.parse('1990-01-01T00:00:00Z');
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type ValueCheck = (v: unknown) => string | null;

const oneOf = (values: readonly string[]): ValueCheck => (v) => (typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join(', ')}`);

const COHORT_VALUES: Record<AttributeKey, ValueCheck> = {
  year: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1990 && v <= 2100 ? null : 'must be a year (an integer from 1990 to 2100)'),
  countyCode: (v) => (isCountyCode(v) ? null : 'must be a länskod (2 digits) of a Swedish county'),
  municipalityCode: (v) => (isMunicipalityCode(v) ? null : 'must be a kommunkod (4 digits) of a Swedish municipality'),
  gender: oneOf(['female', 'male', 'unspecified']),
  route: oneOf(['asylum', 'resettlement', 'family-ties', 'temporary-protection']),
  ageBand: oneOf(AGE_BAND_LABELS),
  highestEducation: oneOf(['none', 'primary', 'upper-secondary', 'post-secondary']),
};

function eventTypeError(v: unknown): string | null {
  if (typeof v !== 'string' || v.length === 0) return 'must be an event type';
  if (CLOCK_EVENT_TYPES.includes(v)) return null;
  if (isAnalyticsExcluded(v)) return 'health facts are not available to analytics';
  if (v === 'EventRetracted') return 'a retraction cannot start or stop a clock';
  return `unknown event type ${JSON.stringify(v.slice(0, 60))}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `asOf` as an instant: an RFC 3339 time with offset, or a date meaning the end of that day in
 * UTC ("what did we know on 31 December 2019"). Null when it is neither; the instant is returned
 * as given (normalised only for dates) so that the answer echoes what was asked.
 */
export function parseAsOfInput(raw: string): string | null {
  if (DATE.test(raw)) {
    const end = `${raw}T23:59:59.999Z`;
    return Number.isNaN(Date.parse(end)) || new Date(Date.parse(end)).toISOString().slice(0, 10) !== raw ? null : end;
  }
  if (!RFC3339.test(raw) || Number.isNaN(Date.parse(raw))) return null;
  return raw;
}

export type ParsedQuery = { readonly ok: true; readonly query: TimeToEventQuery } | { readonly ok: false; readonly errors: FieldError[] };

/**
 * The body of POST /v1/analytics/time-to-event checked field by field, every bad field named:
 * the library would throw on the first problem it meets, and the contract wants them all.
 */
export function parseTimeToEventBody(body: unknown, nowMs: number): ParsedQuery {
  const errors: FieldError[] = [];
  const bad = (path: string, message: string) => errors.push({ path, message });
  if (!isObject(body)) return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };

  for (const key of Object.keys(body)) if (!BODY_FIELDS.has(key)) bad(key.slice(0, 60), 'unknown field');

  if (body.from === undefined) bad('from', 'is required');
  else {
    const e = eventTypeError(body.from);
    if (e) bad('from', e);
  }

  let to: string[] = [];
  if (body.to === undefined) bad('to', 'is required');
  else if (typeof body.to === 'string') {
    const e = eventTypeError(body.to);
    if (e) bad('to', e);
    to = [body.to];
  } else if (Array.isArray(body.to)) {
    if (body.to.length === 0 || body.to.length > CLOCK_EVENT_TYPES.length) bad('to', `must list 1 to ${CLOCK_EVENT_TYPES.length} event types`);
    body.to.forEach((t, i) => {
      const e = eventTypeError(t);
      if (e) bad(`to[${i}]`, e);
    });
    to = body.to as string[];
  } else bad('to', 'must be an event type or a list of them');

  let competing: string[] | undefined;
  if (body.competing !== undefined) {
    const max = CLOCK_EVENT_TYPES.length + CLOSURE_REASONS.length;
    if (!Array.isArray(body.competing) || body.competing.length === 0 || body.competing.length > max) {
      bad('competing', `must list 1 to ${max} event types or case closure reasons (${CLOSURE_REASONS.join(', ')})`);
    } else {
      const seen = new Set<unknown>();
      body.competing.forEach((c, i) => {
        const path = `competing[${i}]`;
        if (typeof c === 'string' && CLOSURE_REASONS.includes(c)) {
          // a closure reason: fine as it is
        } else if (c === 'MigrationCaseClosed') {
          bad(path, `name the closure reasons that compete (${CLOSURE_REASONS.join(', ')}); a closure for any other reason censors`);
        } else {
          const e = eventTypeError(c);
          if (e) bad(path, `${e}, or a case closure reason (${CLOSURE_REASONS.join(', ')})`);
        }
        if (seen.has(c)) bad(path, 'is listed twice');
        seen.add(c);
        if (c === body.from || to.includes(c as string)) bad(path, 'is already the start or the end of the clock');
      });
      competing = body.competing as string[];
    }
  }

  const cohort: Record<string, unknown> = {};
  if (body.cohort !== undefined) {
    if (!isObject(body.cohort)) bad('cohort', 'must be an object');
    else {
      for (const [key, value] of Object.entries(body.cohort)) {
        const path = `cohort.${key.slice(0, 60)}`;
        if (!(ATTRIBUTE_KEYS as readonly string[]).includes(key)) {
          bad(path, `unknown attribute; one of ${ATTRIBUTE_KEYS.join(', ')}`);
          continue;
        }
        const check = COHORT_VALUES[key as AttributeKey];
        if (Array.isArray(value)) {
          if (value.length === 0 || value.length > MAX_LIST) bad(path, `must list 1 to ${MAX_LIST} values`);
          value.forEach((v, i) => {
            const e = check(v);
            if (e) bad(`${path}[${i}]`, e);
          });
        } else {
          const e = check(value);
          if (e) bad(path, e);
        }
        cohort[key] = value;
      }
    }
  }

  if (body.groupBy !== undefined) {
    const keys = typeof body.groupBy === 'string' ? [body.groupBy] : body.groupBy;
    if (!Array.isArray(keys) || keys.length === 0) bad('groupBy', 'must be an attribute or a non-empty list of them');
    else {
      keys.forEach((k, i) => {
        if (typeof k !== 'string' || !(ATTRIBUTE_KEYS as readonly string[]).includes(k)) {
          bad(typeof body.groupBy === 'string' ? 'groupBy' : `groupBy[${i}]`, `must be one of ${ATTRIBUTE_KEYS.join(', ')}`);
        }
      });
    }
  }

  let asOf: string | undefined;
  if (body.asOf !== undefined) {
    const parsed = typeof body.asOf === 'string' ? parseAsOfInput(body.asOf) : null;
    if (parsed === null) bad('asOf', 'must be an RFC 3339 time with offset or a date (YYYY-MM-DD)');
    else {
      const ms = Date.parse(parsed);
      // A date means its end of day; today is fine (clamped to now), tomorrow is not.
      const earliestMs = DATE.test(body.asOf as string) ? Date.parse(`${body.asOf as string}T00:00:00Z`) : ms;
      if (earliestMs > nowMs + CLOCK_SKEW_MS) bad('asOf', 'must not be in the future');
      else if (ms < EARLIEST_AS_OF) bad('asOf', 'must not be before 1990-01-01');
      else asOf = ms > nowMs ? new Date(nowMs).toISOString() : parsed;
    }
  }

  let horizons: number[] | undefined;
  if (body.horizons !== undefined) {
    if (!Array.isArray(body.horizons) || body.horizons.length === 0 || body.horizons.length > 50) bad('horizons', 'must be a list of 1 to 50 day counts');
    else {
      body.horizons.forEach((h, i) => {
        if (typeof h !== 'number' || !Number.isInteger(h) || h < 0 || h > MAX_HORIZON_DAYS) bad(`horizons[${i}]`, `must be a whole number of days from 0 to ${MAX_HORIZON_DAYS}`);
      });
      horizons = body.horizons as number[];
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    query: {
      from: body.from as string,
      to: to.length === 1 && typeof body.to === 'string' ? to[0] : to,
      ...(competing !== undefined ? { competing } : {}),
      ...(body.cohort !== undefined ? { cohort } : {}),
      ...(body.groupBy !== undefined ? { groupBy: body.groupBy as string | string[] } : {}),
      ...(asOf !== undefined ? { asOf } : {}),
      ...(horizons !== undefined ? { horizons } : {}),
    },
  };
}
