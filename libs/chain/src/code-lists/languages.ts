// Source: ISO 639-1 two-letter language codes as shipped by iso-639-1 (v3, 184 codes), read 2026.
// Civic orientation (samhällsorientering) is given in the person's own language
// (förordning 2010:1138 om samhällsorientering, 5 §).
import ISO6391 from 'iso-639-1';

export const LANGUAGE_CODES: readonly string[] = Object.freeze([...ISO6391.getAllCodes()].sort());

const CODES: ReadonlySet<string> = new Set(LANGUAGE_CODES);

export function isLanguageCode(code: unknown): code is string {
  return typeof code === 'string' && CODES.has(code);
}
