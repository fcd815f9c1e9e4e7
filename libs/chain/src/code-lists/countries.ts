// Source: ISO 3166-1 alpha-3 as shipped by i18n-iso-countries (v7, 249 official codes plus XKX
// Kosovo), read 2026. Migrationsverket also records the ICAO/ISO 3166 user-assigned codes XXA
// (stateless, statslös) and XXX (unknown citizenship, okänt medborgarskap), which are a large
// group among asylum seekers.
import { getAlpha3Codes } from 'i18n-iso-countries';

export const STATELESS = 'XXA';
export const UNKNOWN_CITIZENSHIP = 'XXX';

export const CITIZENSHIP_CODES: readonly string[] = Object.freeze([
  ...Object.keys(getAlpha3Codes()).sort(),
  STATELESS,
  UNKNOWN_CITIZENSHIP,
]);

const CODES: ReadonlySet<string> = new Set(CITIZENSHIP_CODES);

export function isCitizenshipCode(code: unknown): code is string {
  return typeof code === 'string' && CODES.has(code);
}
