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

function header(buffer: Buffer, elementOid: number, length: number): void {
  buffer.writeInt32BE(1, 0);
  buffer.writeInt32BE(0, 4);
  buffer.writeInt32BE(elementOid, 8);
  buffer.writeInt32BE(length, 12);
  buffer.writeInt32BE(1, 16);
}

/**
 * The server checks the bytes are valid UTF-8 (and free of NUL) as for any text parameter, so
 * such a string fails the statement just as it would in the text format. A lone surrogate is
 * written as U+FFFD, as pg does for text parameters.
 */
export function binaryTextArray(values: readonly string[]): Buffer {
  const lengths = new Array<number>(values.length);
  let size = HEADER_BYTES + 4 * values.length;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (typeof value !== 'string') throw new TypeError('binaryTextArray takes strings only');
    lengths[index] = Buffer.byteLength(value, 'utf8');
    size += lengths[index];
  }
  const buffer = Buffer.allocUnsafe(size);
  header(buffer, TEXT_OID, values.length);
  let at = HEADER_BYTES;
  for (let index = 0; index < values.length; index++) {
    buffer.writeInt32BE(lengths[index], at);
    at += 4;
    at += buffer.write(values[index], at, lengths[index], 'utf8');
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
