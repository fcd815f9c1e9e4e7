import type { Random } from './random';

export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

// Serials 010–999: "000"-style serials are never issued; 99 tens × 5 digits of one parity per day.
const SERIALS_PER_GENDER_AND_DAY = 99 * 5;

/**
 * Hands out personnummer and samordningsnummer that are unique within one simulation without
 * remembering any of them: the k-th number issued for a (birth year, gender, kind) is a bijective
 * scramble of k over that year's (day, serial) slots, so memory is one counter per year and gender.
 */
export class IdentityNumbers {
  private readonly issued = new Map<string, number>();

  constructor(private readonly salt: number) {}

  /** `YYYYMMDDNNNC`; the 9th digit of the 10-digit form is odd for men, even for women (DOMAIN.md). */
  issue(birthYear: number, male: boolean, coordination: boolean): string {
    for (let year = birthYear; ; year--) {
      const days = isLeap(year) ? 366 : 365;
      const capacity = days * SERIALS_PER_GENDER_AND_DAY;
      const key = `${year}${male ? 'm' : 'f'}${coordination ? 's' : 'p'}`;
      const k = this.issued.get(key) ?? 0;
      if (k >= capacity) continue;
      this.issued.set(key, k + 1);
      const slot = scramble(k, capacity, this.salt + year);
      const dayOfYear = slot % days;
      const serialIndex = Math.floor(slot / days);
      const serial = (1 + Math.floor(serialIndex / 5)) * 10 + (serialIndex % 5) * 2 + (male ? 1 : 0);
      const date = new Date(Date.UTC(year, 0, 1 + dayOfYear));
      // A samordningsnummer adds 60 to the day (DOMAIN.md).
      const day = date.getUTCDate() + (coordination ? 60 : 0);
      const ten = `${pad(year % 100, 2)}${pad(date.getUTCMonth() + 1, 2)}${pad(day, 2)}${pad(serial, 3)}`;
      return `${pad(year, 4).slice(0, 2)}${ten}${luhnCheckDigit(ten)}`;
    }
  }
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** A bijection of [0, n): an affine map with a multiplier coprime to n. */
function scramble(k: number, n: number, salt: number): number {
  let a = 7919 + (Math.abs(salt) % 1000) * 2;
  while (gcd(a, n) !== 1) a++;
  const b = Math.abs(salt * 2654435761) % n;
  return Number((BigInt(a) * BigInt(k) + BigInt(b)) % BigInt(n));
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Migrationsverket's dossier number, unique per person index: a bijection of the 8-digit space. */
export function dossierNumber(personIndex: number, salt: number): string {
  const n = 100_000_000;
  const slot = scramble(personIndex, n, salt);
  const digits = pad(slot, 8);
  return `${digits.slice(0, 2)}-${digits.slice(2)}`;
}

/** An aktiebolag's organisationsnummer: 55xxxxxxxC, third digit ≥ 2, Luhn check digit. */
export function organisationNumber(random: Random): string {
  const nine = `55${random.int(6, 9)}${pad(random.int(0, 999_999), 6)}`;
  return `${nine}${luhnCheckDigit(nine)}`;
}
