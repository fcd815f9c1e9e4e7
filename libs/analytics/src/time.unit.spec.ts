import fc from 'fast-check';
import { parseTime, utcDay, utcYear } from './time';

describe('parseTime', () => {
  it('agrees with Date.parse on RFC 3339 timestamps with any offset and fraction', () => {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.constantFrom('', '.5', '.123', '.123456'),
        (date, offset, fraction) => {
          const local = new Date(date.getTime() + offset * 60_000);
          const sign = offset < 0 ? '-' : '+';
          const abs = Math.abs(offset);
          const zone = offset === 0 ? 'Z' : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
          const s =
            `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
            `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction}${zone}`;
          expect(parseTime(s)).toBe(Date.parse(s));
        },
      ),
    );
  });

  it('is NaN for text that is not a time', () => {
    expect(parseTime('yesterday')).toBeNaN();
    expect(parseTime('2016-13-01T00:00:00Z')).toBeNaN();
    expect(parseTime('2016-01-01T0x:00:00+01:00')).toBeNaN();
  });
});

describe('utcDay and utcYear', () => {
  it('agree with Date across leap years and centuries', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) }), (ms) => {
        expect(utcYear(ms)).toBe(new Date(ms).getUTCFullYear());
        expect(utcDay(ms)).toBe(Math.floor(ms / 86_400_000));
      }),
    );
  });
});
