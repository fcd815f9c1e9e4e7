import fc from 'fast-check';
import { parseRfc3339 } from './envelope';

/** The definition the fast version must match: calendar checks through Date, then Date.parse. */
function reference(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  if (Number(d) < 1 || Number(d) > new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate()) return null;
  const ms = Date.parse(value.toUpperCase());
  return Number.isNaN(ms) ? null : ms;
}

describe('parseRfc3339', () => {
  it('agrees with the Date-based definition on generated times, both letter cases, leap days and bad days', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const time = fc.tuple(
      fc.integer({ min: 1890, max: 2410 }).map((y) => String(y)), two(13), two(32), fc.constantFrom('T', 't'), two(24), two(60), two(61),
      fc.constantFrom('', '.5', '.123', '.123456789'), fc.constantFrom('Z', 'z', '+01:00', '-05:30', '+14:00'),
    ).map(([y, mo, d, sep, h, mi, s, frac, zone]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${zone}`);
    fc.assert(fc.property(time, (value) => expect(parseRfc3339(value)).toBe(reference(value))), { numRuns: 20_000 });
  });

  it('knows leap years', () => {
    expect(parseRfc3339('2024-02-29T12:00:00Z')).toBe(Date.parse('2024-02-29T12:00:00Z'));
    expect(parseRfc3339('2023-02-29T12:00:00Z')).toBeNull();
    expect(parseRfc3339('1900-02-29T12:00:00Z')).toBeNull();
    expect(parseRfc3339('2000-02-29t12:00:00z')).toBe(Date.parse('2000-02-29T12:00:00Z'));
  });
});
