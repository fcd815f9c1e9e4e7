import { binaryInt4Array, binaryNullableTextArray, binaryTextArray } from './postgres-binary-array';

/** array_recv's layout, read back independently of the writer. */
function decode(buffer: Buffer, decodeElement: (bytes: Buffer) => unknown): { oid: number; values: unknown[] } {
  expect(buffer.readInt32BE(0)).toBe(1);
  expect(buffer.readInt32BE(4)).toBe(0);
  const oid = buffer.readInt32BE(8);
  const length = buffer.readInt32BE(12);
  expect(buffer.readInt32BE(16)).toBe(1);
  const values: unknown[] = [];
  let at = 20;
  for (let index = 0; index < length; index++) {
    const size = buffer.readInt32BE(at);
    values.push(decodeElement(buffer.subarray(at + 4, at + 4 + size)));
    at += 4 + size;
  }
  expect(at).toBe(buffer.length);
  return { oid, values };
}

describe('binary arrays for PostgreSQL parameters', () => {
  it('writes text elements as their UTF-8 bytes, unescaped', () => {
    const values = ['', 'plain', 'NULL', '{a,b}', '"quoted" \\ back', 'Åsa 😀 𝄞', '{"d":[1,"x"]}'];
    expect(decode(binaryTextArray(values), (bytes) => bytes.toString('utf8'))).toEqual({ oid: 25, values });
  });

  it('writes null elements as length -1 with no bytes, and flags the array as having nulls', () => {
    const buffer = binaryNullableTextArray([null, 'a', null, 'Åsa', '']);
    expect(buffer.readInt32BE(4)).toBe(1);
    expect(buffer.readInt32BE(12)).toBe(5);
    const lengths: number[] = [];
    const values: (string | null)[] = [];
    let at = 20;
    while (at < buffer.length) {
      const size = buffer.readInt32BE(at);
      lengths.push(size);
      values.push(size < 0 ? null : buffer.subarray(at + 4, at + 4 + size).toString('utf8'));
      at += 4 + Math.max(0, size);
    }
    expect(at).toBe(buffer.length);
    expect(lengths).toEqual([-1, 1, -1, 4, 0]);
    expect(values).toEqual([null, 'a', null, 'Åsa', '']);
    expect(binaryNullableTextArray(['a', 'b'])).toEqual(binaryTextArray(['a', 'b']));
  });

  it('writes an empty array with its one dimension of length 0', () => {
    expect(decode(binaryTextArray([]), () => undefined)).toEqual({ oid: 25, values: [] });
    expect(decode(binaryInt4Array([]), () => undefined)).toEqual({ oid: 23, values: [] });
  });

  it('writes a lone surrogate as U+FFFD, as the text format does', () => {
    expect(decode(binaryTextArray(['a\ud800b']), (bytes) => bytes.toString('utf8')).values).toEqual(['a\ufffdb']);
  });

  it('gives the bytes of a write per element, for random ASCII, non-ASCII and broken UTF-16 text', () => {
    // The plain definition: each element's own UTF-8 bytes, length first.
    const reference = (values: readonly string[]) =>
      Buffer.concat([
        Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25]),
        Buffer.from([values.length >>> 24, (values.length >>> 16) & 255, (values.length >>> 8) & 255, values.length & 255, 0, 0, 0, 1]),
        ...values.flatMap((value) => {
          const bytes = Buffer.from(value, 'utf8');
          const length = Buffer.alloc(4);
          length.writeInt32BE(bytes.length);
          return [length, bytes];
        }),
      ]);
    const alphabets = ['abc{}",\\ 09', 'åäöÅÄÖé', '😀𝄞', '\ud800\udc00\ud83d\ude00', '\ud800', '\udfff'];
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % below;
    };
    const randomText = (asciiOnly: boolean) => {
      let text = '';
      const length = random(12);
      for (let index = 0; index < length; index++) {
        const alphabet = asciiOnly ? alphabets[0] : alphabets[random(alphabets.length)];
        text += alphabet[random(alphabet.length)];
      }
      return text;
    };
    for (let round = 0; round < 2_000; round++) {
      const asciiOnly = round % 2 === 0;
      const values = Array.from({ length: random(6) }, () => randomText(asciiOnly));
      expect(binaryTextArray(values).equals(reference(values))).toBe(true);
    }
  });

  it('writes int4 elements as 4-byte big-endian integers', () => {
    const values = [1, 0, -1, 2_147_483_647, -2_147_483_648];
    expect(decode(binaryInt4Array(values), (bytes) => (expect(bytes.length).toBe(4), bytes.readInt32BE(0)))).toEqual({ oid: 23, values });
  });

  it('refuses what the element type cannot hold', () => {
    expect(() => binaryInt4Array([2_147_483_648])).toThrow(RangeError);
    expect(() => binaryInt4Array([1.5])).toThrow(RangeError);
    expect(() => binaryTextArray([null as unknown as string])).toThrow(TypeError);
  });
});
