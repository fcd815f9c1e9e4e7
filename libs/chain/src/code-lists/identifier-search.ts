// Finding a personnummer, samordningsnummer or dossier number inside any text a client sent, in
// any spelling a client can produce: with or without century, hyphen, plus sign (100 years or
// older), spaces or other separators between the digits, full-width or other Unicode decimal
// digits (Arabic-Indic, Devanagari, …), percent-encoded once or twice. CONTRACT.md v1.1 "Personal
// data in what the service writes": such text is never echoed, logged or counted in clear, and is
// refused in free-text fields. The search errs towards finding too much: a false positive costs a
// log line its detail or a free text a rewording; a false negative puts a personal identifier
// where many people can read it.
export const PNR_MASK = '{pnr}';
export const DOSSIER_MASK = '{dossier}';

// Characters a person may put between the digits of an identifier: white space of any kind,
// hyphens, dashes and minus signs, plus signs, and invisible format characters (zero-width space,
// soft hyphen, …) that render as nothing. At most three in a row join two runs of digits.
const SEPARATORS = '[\\s\\-+\\u00AD\\u2010-\\u2015\\u2212\\uFE58\\uFE63\\uFF0B\\uFF0D\\p{Cf}]';
const JOINING_GAP = new RegExp(`^${SEPARATORS}{1,3}$`, 'u');
const UUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;
const DIGIT_RUN = /[0-9]+/g;
// Month 01–12; day 01–31, or 61–91 for a samordningsnummer (day + 60, SKV).
const MMDD = /^(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])$/;
const NON_ASCII_DIGIT = /\p{Nd}/u;
const NON_ASCII_DIGITS = /\p{Nd}/gu;
const PERCENT_RUN = /(?:%[0-9a-fA-F]{2})+/g;
const PERCENT_ASCII = /%([0-7][0-9a-fA-F])/g;

interface Run {
  readonly start: number;
  readonly end: number;
  readonly digits: string;
}

interface Found {
  readonly start: number;
  readonly end: number;
  readonly kind: 'pnr' | 'dossier';
}

/** Whether the text holds a personnummer, samordningsnummer or dossier number in any spelling. */
export function containsPersonalIdentifier(text: string): boolean {
  return maskPersonalIdentifiers(text) !== text;
}

/**
 * The text with every personal identifier replaced by `{pnr}` or `{dossier}`. Text in canonical
 * ASCII keeps its other characters (and their encoding) as they were; text in which an identifier
 * was found only after decoding it (percent-encoding, other digits) is returned decoded and masked.
 */
export function maskPersonalIdentifiers(text: string): string {
  const direct = maskRuns(text);
  if (!mayHideDigits(direct)) return direct;
  const decoded = normaliseDigits(direct);
  if (decoded === direct) return direct;
  const masked = maskRuns(decoded);
  return masked === decoded ? direct : masked;
}

/** Only text with a `%` or a non-ASCII character can spell digits otherwise than in ASCII. */
function mayHideDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 || c > 0x7e) return true;
  }
  return false;
}

/** Percent-decoding (up to three levels), NFKC, and every Unicode decimal digit as its ASCII digit. */
export function normaliseDigits(text: string): string {
  let s = text;
  for (let level = 0; level < 3 && s.includes('%'); level++) {
    const next = s.replace(PERCENT_RUN, decodePercentRun);
    if (next === s) break;
    s = next;
  }
  s = s.normalize('NFKC');
  if (NON_ASCII_DIGIT.test(s)) s = s.replace(NON_ASCII_DIGITS, (ch) => (ch >= '0' && ch <= '9' ? ch : String(digitValue(ch))));
  return s;
}

function decodePercentRun(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    // Not valid UTF-8 as a whole: decode the ASCII bytes (digits, separators, `%`) and keep the rest.
    return run.replace(PERCENT_ASCII, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

const digitValues = new Map<number, number>();

/**
 * Unicode keeps every decimal digit set (Numeric_Type=Decimal) in contiguous runs of ten code
 * points from zero to nine, so a digit's value is its distance from the start of its run, mod 10.
 */
function digitValue(ch: string): number {
  const cp = ch.codePointAt(0)!;
  let value = digitValues.get(cp);
  if (value === undefined) {
    let start = cp;
    while (start > 0 && NON_ASCII_DIGIT.test(String.fromCodePoint(start - 1))) start--;
    value = (cp - start) % 10;
    digitValues.set(cp, value);
  }
  return value;
}

function maskRuns(text: string): string {
  const found = findIdentifiers(text);
  if (found.length === 0) return text;
  let out = '';
  let at = 0;
  for (const f of found) {
    out += text.slice(at, f.start) + (f.kind === 'pnr' ? PNR_MASK : DOSSIER_MASK);
    at = f.end;
  }
  return out + text.slice(at);
}

/** Identifiers among the ASCII digit runs of a text, left to right, not overlapping. */
function findIdentifiers(text: string): Found[] {
  const runs = digitRuns(text);
  if (runs.length === 0) return [];
  const found: Found[] = [];
  let i = 0;
  while (i < runs.length) {
    let best: { j: number; kind: Found['kind'] } | undefined;
    let digits = '';
    for (let j = i; j < runs.length; j++) {
      if (j > i && !joined(text, runs[j - 1], runs[j])) break;
      digits += runs[j].digits;
      if (digits.length > 12) break;
      const kind = identifierKind(digits, runs, i, j);
      if (kind) best = { j, kind };
    }
    if (best) {
      found.push({ start: runs[i].start, end: runs[best.j].end, kind: best.kind });
      i = best.j + 1;
    } else i++;
  }
  return found;
}

/** Runs of ASCII digits outside UUIDs (a product person id is not a personal identifier). */
function digitRuns(text: string): Run[] {
  let digitCount = 0;
  for (let i = 0; i < text.length && digitCount < 8; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digitCount++;
  }
  if (digitCount < 8) return [];
  const uuids: Array<[number, number]> = [];
  for (const m of text.matchAll(UUID)) uuids.push([m.index, m.index + m[0].length]);
  const runs: Run[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    const start = m.index;
    const end = start + m[0].length;
    if (uuids.some(([s, e]) => start < e && end > s)) {
      // A barrier: runs on either side of a UUID never join across it.
      runs.push({ start, end, digits: '' });
      continue;
    }
    runs.push({ start, end, digits: m[0] });
  }
  return runs;
}

function joined(text: string, left: Run, right: Run): boolean {
  return left.digits !== '' && right.digits !== '' && JOINING_GAP.test(text.slice(left.end, right.start));
}

function identifierKind(digits: string, runs: readonly Run[], i: number, j: number): Found['kind'] | undefined {
  const parts = j - i + 1;
  if (digits.length === 12) return 'pnr'; // YYYYMMDDNNNC, masked whatever its date: likely a mistyped one
  if (digits.length === 10 && MMDD.test(digits.slice(2, 6))) {
    // YYMMDD-NNNC whatever its check digit: a mistyped personnummer still points at a person,
    // so the check digit (the personnummer library, used for subjects) is not asked here.
    return 'pnr';
  }
  if (digits.length === 8) {
    // NN-NNNNNN (any separator, the six may be split further), or eight bare digits unless they
    // read as a calendar date YYYYMMDD of 1900–2099. 01-01-2020 is a date, not a dossier number.
    if (parts > 1) return runs[i].digits.length === 2 && runs[i + 1].digits.length >= 3 ? 'dossier' : undefined;
    return isCalendarDate8(digits) ? undefined : 'dossier';
  }
  return undefined;
}

function isCalendarDate8(digits: string): boolean {
  const year = Number(digits.slice(0, 4));
  const month = Number(digits.slice(4, 6));
  const day = Number(digits.slice(6, 8));
  if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
