export const MS_PER_DAY = 86_400_000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/**
 * Epoch milliseconds of an RFC 3339 timestamp, NaN if it is not one. Hand-parsed because the
 * analysis reads up to two timestamps per relevant event for every person, and Date.parse was
 * most of the profile; anything off the common shape goes to Date.parse.
 */
export function parseTime(s: string): number {
  const len = s.length;
  if (
    len < 20 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    (s.charCodeAt(10) | 32) !== 116 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  ) {
    return parseFallback(s);
  }
  const y = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const mo = digit(s, 5) * 10 + digit(s, 6);
  const d = digit(s, 8) * 10 + digit(s, 9);
  const h = digit(s, 11) * 10 + digit(s, 12);
  const mi = digit(s, 14) * 10 + digit(s, 15);
  const se = digit(s, 17) * 10 + digit(s, 18);
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 60 && y >= 0)) return parseFallback(s);
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    while (i < len) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      ms += c * scale;
      scale /= 10;
      i++;
    }
    ms = Math.floor(ms);
  }
  let offsetMinutes: number;
  const z = s.charCodeAt(i);
  if ((z === 90 || z === 122) && i === len - 1) {
    offsetMinutes = 0;
  } else if ((z === 43 || z === 45) && len === i + 6 && s.charCodeAt(i + 3) === 58) {
    const oh = digit(s, i + 1) * 10 + digit(s, i + 2);
    const om = digit(s, i + 4) * 10 + digit(s, i + 5);
    if (!(oh <= 23 && om <= 59)) return parseFallback(s);
    offsetMinutes = z === 45 ? -(oh * 60 + om) : oh * 60 + om;
  } else {
    return parseFallback(s);
  }
  return (daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offsetMinutes * 60) * 1000 + ms;
}

function parseFallback(s: string): number {
  return Date.parse(s);
}

/** The UTC calendar day (days since 1970-01-01) of an epoch-millisecond instant. */
export function utcDay(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

/** The UTC calendar year of an instant, without a Date per call (Hinnant's civil_from_days). */
export function utcYear(ms: number): number {
  const z = utcDay(ms) + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}
