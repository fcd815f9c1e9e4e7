const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4}-\d{2}-\d{2})[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A `YYYY-MM-DD` string naming a real calendar day. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

/** An RFC 3339 date-time with an offset, naming a real instant. */
export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = TIME.exec(value);
  return !!m && isCalendarDate(m[1]) && Number.isFinite(Date.parse(value));
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month (1–12) of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1];
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** The calendar date of an RFC 3339 time as written (in its own offset). */
export function dateOfTime(time: string): string {
  return time.slice(0, 10);
}

/** Adds months to a date, clamping to the last day of the target month (2024-02-29 + 24 = 2026-02-28). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  const ty = Math.floor(total / 12);
  const tm = (total % 12) + 1;
  const td = Math.min(d, daysInMonth(ty, tm));
  return `${String(ty).padStart(4, '0')}-${String(tm).padStart(2, '0')}-${String(td).padStart(2, '0')}`;
}

const instants = new Map<string, number>();
const INSTANT_CACHE = 100_000;

/**
 * Milliseconds since the epoch of an RFC 3339 time, for ordering events by event time. Rules
 * compare the same few times over and over while a person's history is folded, and Date.parse
 * showed up in profiles of ingest, so parsed values are kept (bounded; pure either way).
 */
export function instant(time: string): number {
  let value = instants.get(time);
  if (value === undefined) {
    value = Date.parse(time);
    if (instants.size >= INSTANT_CACHE) instants.clear();
    instants.set(time, value);
  }
  return value;
}

/** Whole days from one time or date to another (floor), used for waiting times. */
export function daysBetween(from: string, to: string): number {
  return Math.floor((Date.parse(to) - Date.parse(from)) / 86_400_000);
}
