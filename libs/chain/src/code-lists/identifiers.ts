// Identifier rules: personnummer (folkbokföringslagen 1991:481, 18 §) with its Luhn check digit,
// and samordningsnummer (18 a §) which adds 60 to the day; organisationsnummer (SCB, Luhn over
// 10 digits); Migrationsverket's dossier number (ärendenummer-style, 8 digits as NN-NNNNNN).
import Personnummer from 'personnummer';
import Organisationsnummer from 'organisationsnummer';

const TWELVE_DIGITS = /^\d{12}$/;
const TEN_DIGITS = /^\d{10}$/;
const DOSSIER = /^\d{2}-\d{6}$/;

/** A personnummer or samordningsnummer written as exactly 12 digits, `YYYYMMDDNNNC`. */
export function isValidPersonalIdentityNumber(value: unknown): value is string {
  if (typeof value !== 'string' || !TWELVE_DIGITS.test(value)) return false;
  // A person's number comes back with every event about them (as the pnr: subject), and the
  // library's parse showed in ingest profiles; the answer for a string never changes.
  let valid = checkedNumbers.get(value);
  if (valid === undefined) {
    try {
      valid = Personnummer.valid(value, { allowCoordinationNumber: true, allowInterimNumber: false });
    } catch {
      valid = false;
    }
    if (checkedNumbers.size >= CHECKED_NUMBERS) checkedNumbers.clear();
    checkedNumbers.set(value, valid);
  }
  return valid;
}

const checkedNumbers = new Map<string, boolean>();
const CHECKED_NUMBERS = 50_000;

export function isCoordinationNumber(value: string): boolean {
  if (!isValidPersonalIdentityNumber(value)) return false;
  return Number(value.slice(6, 8)) > 60;
}

/** The 9th digit of the 10-digit form (the 11th of the 12) is odd for men and even for women. */
export function genderOfPersonalIdentityNumber(value: string): 'female' | 'male' | undefined {
  if (!isValidPersonalIdentityNumber(value)) return undefined;
  return Number(value[10]) % 2 === 1 ? 'male' : 'female';
}

/**
 * An organisationsnummer of a legal person: 10 digits, valid check digit, and a third digit of at
 * least 2. A sole trader's (enskild firma) number is the owner's personnummer; it is refused here
 * so that an employer field can never smuggle a personal identity number into the record.
 */
export function isValidOrganisationNumber(value: unknown): value is string {
  if (typeof value !== 'string' || !TEN_DIGITS.test(value)) return false;
  if (Number(value[2]) < 2) return false;
  try {
    return Organisationsnummer.valid(value);
  } catch {
    return false;
  }
}

export function isDossierNumber(value: unknown): value is string {
  return typeof value === 'string' && DOSSIER.test(value);
}
