import fc from 'fast-check';

/**
 * The fuzz corpus of CONTRACT.md v1.1 "Personal data in what the service writes": every spelling
 * of a personnummer, samordningsnummer or dossier number a client can produce. Each spelling comes
 * with the canonical digits it hides, so a test can assert that neither the spelling nor the
 * digits (in any form) come back out of the service.
 */
export interface Spelling {
  /** The canonical digits, e.g. 199001012385 or 24000123. */
  readonly digits: string;
  readonly text: string;
  readonly how: string;
}

function luhn(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** A valid 12-digit number; `coordination` adds 60 to the day (samordningsnummer). */
export function validNumber(year: number, month: number, day: number, serial: number, coordination = false): string {
  const yy = String(year % 100).padStart(2, '0');
  const mm = String(month).padStart(2, '0');
  const dd = String(day + (coordination ? 60 : 0)).padStart(2, '0');
  const nnn = String(serial).padStart(3, '0');
  return `${year}${mm}${dd}${nnn}${luhn(`${yy}${mm}${dd}${nnn}`)}`;
}

/** Decimal digit systems: the code point of each one's zero. */
export const DIGIT_ZEROS: Readonly<Record<string, number>> = {
  ascii: 0x30,
  fullwidth: 0xff10,
  'arabic-indic': 0x660,
  'extended-arabic-indic': 0x6f0,
  devanagari: 0x966,
  bengali: 0x9e6,
  thai: 0xe50,
  'mathematical-bold': 0x1d7ce,
  'mathematical-monospace': 0x1d7f6,
};

export function inDigits(text: string, system: keyof typeof DIGIT_ZEROS | string): string {
  const zero = DIGIT_ZEROS[system];
  return text.replace(/[0-9]/g, (d) => String.fromCodePoint(zero + Number(d)));
}

const percentAll = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** The written layouts of a 12-digit number (before digit system and encoding). */
function pnrLayouts(p: string): Array<[string, string]> {
  const [cc, yymmdd, nnnc] = [p.slice(0, 2), p.slice(2, 8), p.slice(8)];
  return [
    ['12 digits', `${cc}${yymmdd}${nnnc}`],
    ['12 with hyphen', `${cc}${yymmdd}-${nnnc}`],
    ['12 with plus', `${cc}${yymmdd}+${nnnc}`],
    ['10 digits', `${yymmdd}${nnnc}`],
    ['10 with hyphen', `${yymmdd}-${nnnc}`],
    ['10 with plus (100 or older)', `${yymmdd}+${nnnc}`],
    ['10 with space', `${yymmdd} ${nnnc}`],
    ['12 with spaces', `${cc}${yymmdd.slice(0, 2)} ${yymmdd.slice(2, 4)} ${yymmdd.slice(4)} ${nnnc}`],
    ['12 spaced hyphen', `${cc}${yymmdd} - ${nnnc}`],
    ['10 with en dash', `${yymmdd}\u2013${nnnc}`],
    ['10 with minus sign', `${yymmdd}\u2212${nnnc}`],
    ['10 with no-break space', `${yymmdd}\u00a0${nnnc}`],
    ['12 with zero-width spaces', `${cc}${yymmdd}\u200b${nnnc}`],
    ['10 with full-width hyphen', `${yymmdd}\uff0d${nnnc}`],
  ];
}

function dossierLayouts(d: string): Array<[string, string]> {
  return [
    ['dossier', `${d.slice(0, 2)}-${d.slice(2)}`],
    ['dossier 8 digits', d],
    ['dossier with space', `${d.slice(0, 2)} ${d.slice(2)}`],
    ['dossier with en dash', `${d.slice(0, 2)}\u2013${d.slice(2)}`],
  ];
}

function encodings(how: string, text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const system of Object.keys(DIGIT_ZEROS)) out.push([`${how}, ${system} digits`, inDigits(text, system)]);
  out.push([`${how}, percent-encoded`, percentAll(text)]);
  out.push([`${how}, percent-encoded twice`, percentAll(text).replace(/%/g, '%25')]);
  out.push([`${how}, full-width percent-encoded`, encodeURIComponent(inDigits(text, 'fullwidth'))]);
  out.push([`${how}, encodeURIComponent`, encodeURIComponent(text)]);
  return out;
}

export const PERSONNUMMER = validNumber(1990, 1, 1, 238);
/** Born 1912: written with a plus sign in the 10-digit form. */
export const CENTENARIAN = validNumber(1912, 3, 15, 402);
export const SAMORDNINGSNUMMER = validNumber(1985, 7, 20, 117, true);
export const DOSSIER = '24000123';

/** The fixed corpus: every layout of each number in every digit system and encoding. */
export function identifierSpellings(): Spelling[] {
  const spellings: Spelling[] = [];
  for (const p of [PERSONNUMMER, CENTENARIAN, SAMORDNINGSNUMMER]) {
    for (const [how, text] of pnrLayouts(p)) for (const [h, t] of encodings(how, text)) spellings.push({ digits: p, text: t, how: h });
  }
  for (const [how, text] of dossierLayouts(DOSSIER)) for (const [h, t] of encodings(how, text)) spellings.push({ digits: DOSSIER, text: t, how: h });
  return spellings;
}

/** Random valid numbers in random layouts, digit systems and encodings (fast-check). */
export const arbitrarySpelling: fc.Arbitrary<Spelling> = fc
  .record({
    year: fc.integer({ min: 1900, max: 2025 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    serial: fc.integer({ min: 0, max: 999 }),
    coordination: fc.boolean(),
    dossier: fc.integer({ min: 0, max: 99_999_999 }),
    which: fc.nat(),
    layout: fc.nat(),
    encoding: fc.nat(),
  })
  .map(({ year, month, day, serial, coordination, dossier, which, layout, encoding }) => {
    const isDossier = which % 4 === 0;
    const digits = isDossier ? String(dossier).padStart(8, '0') : validNumber(year, month, day, serial, coordination);
    const layouts = isDossier ? dossierLayouts(digits).filter(([h]) => h !== 'dossier 8 digits' || !/^(19|20)\d{6}$/.test(digits)) : pnrLayouts(digits);
    const [how, text] = layouts[layout % layouts.length];
    const encoded = encodings(how, text);
    const [h, t] = encoded[encoding % encoded.length];
    return { digits, text: t, how: h };
  });

/** Whether a text the service wrote gives away the number, in any spelling. */
export function leaks(written: string, spelling: Spelling): boolean {
  if (written.includes(spelling.text)) return true;
  const digitsOnly = (s: string) => s.replace(/[^0-9]/g, '');
  const ascii = normaliseForTest(written);
  const d = spelling.digits;
  // The 10 digits without century (they hold the 12 too), or the dossier's 8.
  return digitsOnly(ascii).includes(d.length === 12 ? d.slice(2) : d);
}

/** An independent decoder for the assertions (not the product's): percent, NFKC, digit systems. */
function normaliseForTest(text: string): string {
  let s = text;
  for (let i = 0; i < 3; i++) {
    try {
      s = decodeURIComponent(s);
    } catch {
      s = s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
  }
  s = s.normalize('NFKC');
  for (const zero of Object.values(DIGIT_ZEROS)) {
    for (let v = 0; v < 10; v++) s = s.split(String.fromCodePoint(zero + v)).join(String(v));
  }
  return s;
}
