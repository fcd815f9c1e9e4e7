import { normaliseTime } from './sql-event-store';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** The definition the fast path must agree with: parse with Date, print as ISO. */
function reference(value: string): string {
  const parsed = RFC3339.test(value) ? new Date(value) : new Date(Number.NaN);
  const year = parsed.getUTCFullYear();
  if (Number.isNaN(parsed.getTime()) || year < 0 || year > 9999) return 'rejected';
  return parsed.toISOString();
}

function actual(value: string): string {
  try {
    return normaliseTime(value, 'eventTime');
  } catch {
    return 'rejected';
  }
}

describe('normaliseTime', () => {
  it('agrees with the Date round trip on canonical-looking strings, including impossible dates', () => {
    let seed = 42;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    const pad = (value: number, width: number) => String(value).padStart(width, '0');
    const mismatches: string[] = [];
    for (let round = 0; round < 50_000; round++) {
      const year = [random(10_000), 1900, 2000, 2024, 2100][random(5)];
      const value = `${pad(year, 4)}-${pad(random(14), 2)}-${pad(random(33), 2)}T${pad(random(26), 2)}:${pad(random(62), 2)}:${pad(random(62), 2)}.${pad(random(1000), 3)}Z`;
      if (actual(value) !== reference(value)) mismatches.push(value);
    }
    expect(mismatches).toEqual([]);
  });

  it.each([
    '2026-01-02T03:04:05.678Z',
    '2026-01-02T03:04:05Z',
    '2026-01-02 03:04:05.678Z',
    '2026-01-02T03:04:05.678z',
    '2026-01-02T05:04:05.678+02:00',
    '2024-02-29T00:00:00.000Z',
    '2023-02-29T00:00:00.000Z',
    '2026-01-01T24:00:00.000Z',
    'x026-01-02T03:04:05.678Z',
    '2026-01-02T03:04:05.6a8Z',
    'yesterday',
  ])('%s', (value) => {
    expect(actual(value)).toBe(reference(value));
  });
});
