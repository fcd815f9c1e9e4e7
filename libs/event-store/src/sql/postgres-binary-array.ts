/**
 * One-dimensional `text[]` and `int4[]` parameters in PostgreSQL's binary array format
 * (`array_recv`). pg sends a Buffer parameter as binary, so the server copies each element as
 * it is: no array literal for it to parse, and no escaping here. pg's own array literal escapes
 * every element with two regular expressions, which for ~400-byte JSON payloads costs several
 * times the JSON.stringify that made them, and a JSON text instead costs the server a parse.
 *
 * Layout: ndim, has-nulls flag, element type oid, then per dimension its length and lower bound,
 * then each element as a byte length and the bytes (big-endian int32s throughout).
 */

const TEXT_OID = 25;
const INT4_OID = 23;
const HEADER_BYTES = 20;
const LENGTH_PLACEHOLDER = '\0\0\0\0';

function header(buffer: Buffer, elementOid: number, length: number, hasNulls = false): void {
  buffer.writeInt32BE(1, 0);
  buffer.writeInt32BE(hasNulls ? 1 : 0, 4);
  buffer.writeInt32BE(elementOid, 8);
  buffer.writeInt32BE(length, 12);
  buffer.writeInt32BE(1, 16);
}

/**
 * The server checks the bytes are valid UTF-8 (and free of NUL) as for any text parameter, so
 * such a string fails the statement just as it would in the text format. A lone surrogate is
 * written as U+FFFD, as pg does for text parameters.
 *
 * One UTF-8 write for the whole array rather than one per element: the elements are joined with
 * four NUL characters before each (a placeholder for its length, and a separator no surrogate
 * pair can straddle, so each element encodes exactly as it would alone), and the lengths are
 * written over the placeholders afterwards. Measured at less than half the time of a write per
 * element, most of which was Buffer.write's own argument handling.
 */
export function binaryTextArray(values: readonly string[]): Buffer {
  return textArray(values, false);
}

/** `binaryTextArray` whose elements may also be null (SQL NULL), e.g. for nullable columns. */
export function binaryNullableTextArray(values: readonly (string | null)[]): Buffer {
  return textArray(values, true);
}

function textArray(values: readonly (string | null)[], nullable: boolean): Buffer {
  const parts = new Array<string>(values.length * 2);
  let hasNulls = false;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    // A NULL element is its length (-1) alone, written over its placeholder below.
    if (value === null && nullable) hasNulls = true;
    else if (typeof value !== 'string') throw new TypeError(`binaryTextArray takes strings${nullable ? ' (or null)' : ''} only`);
    parts[2 * index] = LENGTH_PLACEHOLDER;
    parts[2 * index + 1] = value ?? '';
  }
  const text = parts.join('');
  const bytes = Buffer.byteLength(text, 'utf8');
  // As many bytes as UTF-16 units only when every character is ASCII: then an element's byte
  // length is its string length.
  const ascii = bytes === text.length;
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + bytes);
  header(buffer, TEXT_OID, values.length, hasNulls);
  buffer.write(text, HEADER_BYTES, bytes, 'utf8');
  let at = HEADER_BYTES;
  for (const value of values) {
    if (value === null) {
      buffer.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    const length = ascii ? value.length : Buffer.byteLength(value, 'utf8');
    buffer.writeInt32BE(length, at);
    at += 4 + length;
  }
  return buffer;
}

export function binaryInt4Array(values: readonly number[]): Buffer {
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + 8 * values.length);
  header(buffer, INT4_OID, values.length);
  let at = HEADER_BYTES;
  for (const value of values) {
    if (!Number.isInteger(value) || value < -2_147_483_648 || value > 2_147_483_647) throw new RangeError('binaryInt4Array takes 32-bit integers only');
    buffer.writeInt32BE(4, at);
    buffer.writeInt32BE(value, at + 4);
    at += 8;
  }
  return buffer;
}
