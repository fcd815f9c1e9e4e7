import type { EncodedHistory } from '@kedja/analytics';
import { ANALYTICS_TYPE_CODES, KEPT_FIELDS, RETRACTED_CODE, type CompactEntry } from './codes';

/**
 * The `facts` column: the same history as the JSON `history` column, in a compact text that
 * time-to-event reads without JSON.parse, without parsing timestamps and without an object per
 * event (the JSON column stays for exports, which need the times as reported, offsets
 * included). It is derived from the JSON history alone (`encodeFacts`), so the projection's fold
 * is unchanged.
 *
 * Text rather than a blob: the drivers return a short string far faster than a Buffer (a Buffer
 * per row was most of the read), and the text is plain ASCII apart from the characters of kept
 * string values, valid in both stores' TEXT.
 *
 * Per event, in history order:
 *   type     one character, 33 + code + (45 if the recorded time differs from the event time);
 *            code NAMED_TYPE means the type's name follows as a value
 *   time     epoch ms as parseTime reads the reported text: 7 base-64 digits ('0' + 0..63, most
 *            significant first) for an integer in [0, 2^42), else '~' String(ms) ';' (NaN too)
 *   recorded the same, only when the type character says so
 *   fields   a count, then that many values: the kept fields, or a retraction's target index
 * A count or length is one character '0' + v below 64, else '~' String(v) ';'. A value is 'N'
 * (null), '#' String(number) ';', 's' length and the string's own characters, or 'j' length and
 * the JSON text of a string (for strings with control characters or lone surrogates, which the
 * stores' text cannot carry as they are).
 */
export const NAMED_TYPE = 44;
const DIFFERS = 45;
const TYPE_BASE = 33;
const DIGIT = 48;
const ESCAPE = 126; // '~'
const END = ';';
const TIME_DIGITS = 7;
const TIME_LIMIT = 2 ** 42;

const V_NULL = 78; // 'N'
const V_NUMBER = 35; // '#'
const V_STRING = 115; // 's'
const V_JSON = 106; // 'j'

// Control characters (NUL is refused by PostgreSQL's text) and lone surrogates (not UTF-8).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NEEDS_JSON = /[\u0000-\u001f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

if (ANALYTICS_TYPE_CODES.length > NAMED_TYPE) throw new Error('analytics type codes no longer fit the facts encoding');

type ParseTime = (s: string) => number;

function uint(v: number): string {
  return v < 64 ? String.fromCharCode(DIGIT + v) : `~${v}${END}`;
}

function time(ms: number): string {
  if (Number.isInteger(ms) && ms >= 0 && ms < TIME_LIMIT) {
    const hi = Math.floor(ms / 2 ** 24); // 18 bits: 3 digits
    const lo = ms - hi * 2 ** 24; // 24 bits: 4 digits
    return String.fromCharCode(
      DIGIT + (hi >>> 12),
      DIGIT + ((hi >>> 6) & 63),
      DIGIT + (hi & 63),
      DIGIT + (lo >>> 18),
      DIGIT + ((lo >>> 12) & 63),
      DIGIT + ((lo >>> 6) & 63),
      DIGIT + (lo & 63),
    );
  }
  return `~${String(ms)}${END}`;
}

function value(v: string | number | null): string {
  if (v === null) return 'N';
  if (typeof v === 'number') return `#${String(v)}${END}`;
  if (NEEDS_JSON.test(v)) {
    const json = JSON.stringify(v);
    return `j${uint(json.length)}${json}`;
  }
  return `s${uint(v.length)}${v}`;
}

/** The facts text of a JSON history; `parseTime` is the analysis library's own parser. */
export function encodeFacts(history: readonly CompactEntry[], parseTime: ParseTime): string {
  let out = '';
  for (const entry of history) {
    const code = entry[0];
    if (typeof code === 'number' && !(Number.isInteger(code) && code >= 0 && code < NAMED_TYPE)) throw new RangeError(`bad type code ${code}`);
    const eventTime = entry[1] as string;
    // The reader's rule: a recorded time that is absent (0, null, '') or the event time's own text is the event time.
    const rec = entry[2];
    const differs = rec !== 0 && rec !== null && rec !== '' && rec !== eventTime;
    out += String.fromCharCode(TYPE_BASE + (typeof code === 'number' ? code : NAMED_TYPE) + (differs ? DIFFERS : 0));
    if (typeof code !== 'number') out += value(code);
    out += time(parseTime(eventTime));
    if (differs) out += time(parseTime(rec as string));
    out += uint(entry.length - 3);
    for (let f = 3; f < entry.length; f++) out += value(entry[f]);
  }
  return out;
}

const FIELD_INDEX: ReadonlyArray<ReadonlyMap<string, number>> = ANALYTICS_TYPE_CODES.map(
  (type, code) => new Map(code === RETRACTED_CODE ? [] : (KEPT_FIELDS[type] ?? []).map((f, i) => [f, i])),
);
const NO_FIELDS: ReadonlyMap<string, number> = new Map();

/**
 * One person's facts as the analysis library's EncodedHistory, reused from person to person:
 * `reset` finds where each event's parts start (one pass over the characters), and times and
 * fields are decoded only when the analysis asks for them.
 */
export class FactsView implements EncodedHistory {
  readonly types = ANALYTICS_TYPE_CODES;
  length = 0;
  private s = '';
  private codes = new Int8Array(64);
  private timeAt = new Int32Array(64);
  private recordedAt = new Int32Array(64);
  private fieldsAt = new Int32Array(64);
  private namesAt = new Int32Array(64);

  /** Points the view at the facts `facts.slice(start, end)` (without copying them). */
  reset(facts: string, start = 0, end = facts.length): this {
    this.s = facts;
    const s = facts;
    let n = 0;
    let at = start;
    while (at < end) {
      if (n === this.codes.length) this.grow();
      let c = s.charCodeAt(at++) - TYPE_BASE;
      const differs = c >= DIFFERS;
      if (differs) c -= DIFFERS;
      if (c === NAMED_TYPE) {
        this.codes[n] = -1;
        this.namesAt[n] = at;
        at = this.skipValue(at);
      } else {
        this.codes[n] = c;
      }
      this.timeAt[n] = at;
      at = skipTime(s, at);
      if (differs) {
        this.recordedAt[n] = at;
        at = skipTime(s, at);
      } else {
        this.recordedAt[n] = -1;
      }
      this.fieldsAt[n] = at;
      let count = s.charCodeAt(at) - DIGIT;
      if (count === ESCAPE - DIGIT) {
        const end = s.indexOf(END, at);
        count = Number(s.slice(at + 1, end));
        at = end + 1;
      } else {
        at++;
      }
      for (let k = 0; k < count; k++) at = this.skipValue(at);
      n++;
    }
    this.length = n;
    return this;
  }

  code(i: number): number {
    return this.codes[i];
  }

  typeName(i: number): string {
    const c = this.codes[i];
    if (c >= 0) return ANALYTICS_TYPE_CODES[c];
    return this.valueAt(this.namesAt[i]) as string;
  }

  time(i: number): number {
    return readTime(this.s, this.timeAt[i]);
  }

  recorded(i: number): number {
    const at = this.recordedAt[i];
    return at < 0 ? readTime(this.s, this.timeAt[i]) : readTime(this.s, at);
  }

  retractionTarget(i: number): number {
    const v = this.field(i, 0);
    return typeof v === 'number' ? v : -1;
  }

  data(i: number, name: string): string | number | null {
    const c = this.codes[i];
    const f = (c >= 0 ? FIELD_INDEX[c] : NO_FIELDS).get(name);
    return f === undefined ? null : this.field(i, f);
  }

  private field(i: number, f: number): string | number | null {
    const s = this.s;
    let at = this.fieldsAt[i];
    let count = s.charCodeAt(at) - DIGIT;
    if (count === ESCAPE - DIGIT) {
      const end = s.indexOf(END, at);
      count = Number(s.slice(at + 1, end));
      at = end + 1;
    } else {
      at++;
    }
    if (f >= count) return null;
    for (let k = 0; k < f; k++) at = this.skipValue(at);
    return this.valueAt(at);
  }

  private skipValue(at: number): number {
    const s = this.s;
    switch (s.charCodeAt(at)) {
      case V_NULL:
        return at + 1;
      case V_NUMBER:
        return s.indexOf(END, at) + 1;
      case V_STRING:
      case V_JSON: {
        const c = s.charCodeAt(at + 1);
        if (c !== ESCAPE) return at + 2 + (c - DIGIT);
        const end = s.indexOf(END, at + 1);
        return end + 1 + Number(s.slice(at + 2, end));
      }
      default:
        throw new Error(`corrupt analytics facts at ${at}`);
    }
  }

  private valueAt(at: number): string | number | null {
    const s = this.s;
    const tag = s.charCodeAt(at);
    if (tag === V_NULL) return null;
    if (tag === V_NUMBER) return Number(s.slice(at + 1, s.indexOf(END, at)));
    let start: number;
    let len: number;
    const c = s.charCodeAt(at + 1);
    if (c !== ESCAPE) {
      start = at + 2;
      len = c - DIGIT;
    } else {
      const end = s.indexOf(END, at + 1);
      start = end + 1;
      len = Number(s.slice(at + 2, end));
    }
    if (tag === V_STRING) return s.slice(start, start + len);
    if (tag === V_JSON) return JSON.parse(s.slice(start, start + len)) as string;
    throw new Error(`corrupt analytics facts at ${at}`);
  }

  private grow(): void {
    const size = this.codes.length * 2;
    const codes = new Int8Array(size);
    codes.set(this.codes);
    this.codes = codes;
    for (const key of ['timeAt', 'recordedAt', 'fieldsAt', 'namesAt'] as const) {
      const next = new Int32Array(size);
      next.set(this[key]);
      this[key] = next;
    }
  }
}

function skipTime(s: string, at: number): number {
  return s.charCodeAt(at) === ESCAPE ? s.indexOf(END, at) + 1 : at + TIME_DIGITS;
}

function readTime(s: string, at: number): number {
  if (s.charCodeAt(at) === ESCAPE) return Number(s.slice(at + 1, s.indexOf(END, at)));
  let v = 0;
  for (let k = 0; k < TIME_DIGITS; k++) v = v * 64 + (s.charCodeAt(at + k) - DIGIT);
  return v;
}
