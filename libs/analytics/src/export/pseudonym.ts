import { createHmac, randomBytes } from 'node:crypto';

export interface Pseudonymiser {
  pseudonym(personId: string): string;
}

// 80 bits: the birthday bound for a collision among 10⁶ people is about 4·10⁻¹³, and a shorter
// column is friendlier in the analysts' tools than a full 256-bit digest.
const PSEUDONYM_HEX_CHARS = 20;

/**
 * Keyed pseudonyms, HMAC-SHA256(secret, personId), truncated. Without the secret a pseudonym
 * cannot be linked to the person id (or to anything derived from it), and a fresh random secret
 * per export (the default) makes two exports unlinkable to each other. The secret is never
 * returned: a caller who must link exports supplies and keeps its own.
 */
export function createPseudonymiser(secret?: string | Uint8Array): Pseudonymiser {
  const key = secret === undefined ? randomBytes(32) : typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (key.length < 16) throw new RangeError('a pseudonym secret must be at least 16 bytes');
  return {
    pseudonym: (personId) => createHmac('sha256', key).update(personId, 'utf8').digest('hex').slice(0, PSEUDONYM_HEX_CHARS),
  };
}
