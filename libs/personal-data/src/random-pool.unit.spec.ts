import { RandomPool } from './random-pool';

describe('RandomPool', () => {
  it('hands out each byte once, across refills, in buffers of the length asked', () => {
    const pool = new RandomPool(64);
    const taken = Array.from({ length: 200 }, () => pool.take(12));
    expect(taken.every((b) => b.length === 12)).toBe(true);
    // 96-bit values from a CSPRNG: any repeat means the pool handed the same bytes out twice.
    expect(new Set(taken.map((b) => b.toString('hex'))).size).toBe(200);
    expect(pool.take(100)).toHaveLength(100);
  });

  it('keeps nothing a caller could read back: a taken buffer is a copy, its bytes wiped from the pool', () => {
    const pool = new RandomPool(64);
    const first = pool.take(32);
    const copy = Buffer.from(first);
    first.fill(0);
    const second = pool.take(32);
    expect(second.equals(copy)).toBe(false);
    expect(second.equals(Buffer.alloc(32))).toBe(false);
  });
});
