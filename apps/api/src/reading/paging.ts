import { ProblemError, type FieldError } from '../problems/problem';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export interface PageRequest<C> {
  readonly limit: number;
  readonly after: C | null;
}

// Cursors are opaque to clients (CONTRACT.md "Transport"): base64url JSON of the last key seen,
// so the order can change shape later without breaking a client that only hands it back.
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function parsePage<C>(query: Record<string, unknown>, isKey: (value: unknown) => value is C): PageRequest<C> {
  const errors: FieldError[] = [];
  let limit = DEFAULT_LIMIT;
  const rawLimit = query.limit;
  if (rawLimit !== undefined) {
    if (typeof rawLimit !== 'string' || !/^\d{1,7}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT) {
      errors.push({ path: 'limit', message: `must be a whole number from 1 to ${MAX_LIMIT}` });
    } else limit = Number(rawLimit);
  }
  let after: C | null = null;
  const rawCursor = query.cursor;
  if (rawCursor !== undefined && rawCursor !== '') {
    let decoded: unknown;
    try {
      decoded = typeof rawCursor === 'string' && rawCursor.length <= 2048 ? JSON.parse(Buffer.from(rawCursor, 'base64url').toString('utf8')) : undefined;
    } catch {
      decoded = undefined;
    }
    if (isKey(decoded)) after = decoded;
    else errors.push({ path: 'cursor', message: 'is not a cursor this list handed out' });
  }
  if (errors.length > 0) throw new ProblemError('invalid-request', errors.map((e) => `${e.path} ${e.message}`).join('; '), errors);
  return { limit, after };
}

/** Fetch `limit + 1` rows; this trims the extra one and says where the next page starts. */
export function page<R, K>(rows: readonly R[], limit: number, keyOf: (row: R) => K): { items: R[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit && items.length > 0 ? encodeCursor(keyOf(items[items.length - 1])) : null;
  return { items, nextCursor };
}
