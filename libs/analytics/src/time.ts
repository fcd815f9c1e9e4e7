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

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Epoch milliseconds of an RFC 3339 timestamp, NaN if it is not one. Hand-parsed because the
 * analysis reads two timestamps per event for every person, and Date.parse dominated the profile.
 */
export function parseTime(s: string): number {
  if (s.length < 20) return parseFallback(s);
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const se = digits(s, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) {
    return parseFallback(s);
  }
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    while (i < s.length) {
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
  if ((z === 90 || z === 122) && i === s.length - 1) {
    offsetMinutes = 0;
  } else if ((z === 43 || z === 45) && s.length === i + 6 && s.charCodeAt(i + 3) === 58) {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || om < 0) return parseFallback(s);
    offsetMinutes = (z === 45 ? -1 : 1) * (oh * 60 + om);
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

export function utcYear(ms: number): number {
  return new Date(ms).getUTCFullYear();
}
