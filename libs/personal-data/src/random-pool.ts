import { randomFillSync } from 'node:crypto';

/**
 * Random bytes cut from a buffer that the system's CSPRNG refills 4 KiB at a time. On ingest every
 * new person takes a data key and three IVs: one `crypto.randomBytes` call each (a trip into
 * OpenSSL, ~5 µs) was most of what sealing a person's identifiers cost. The bytes come from the
 * same generator; each is handed out once, copied, and the used part of the buffer is not kept.
 */
export class RandomPool {
  private pool = Buffer.alloc(0);
  private offset = 0;

  constructor(private readonly size = 4096) {}

  take(length: number): Buffer {
    if (length > this.size) return randomFillSync(Buffer.alloc(length));
    if (this.offset + length > this.pool.length) {
      this.pool = randomFillSync(Buffer.allocUnsafe(this.size));
      this.offset = 0;
    }
    const bytes = Buffer.from(this.pool.subarray(this.offset, this.offset + length));
    this.pool.fill(0, this.offset, this.offset + length);
    this.offset += length;
    return bytes;
  }
}
