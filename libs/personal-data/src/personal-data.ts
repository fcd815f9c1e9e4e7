import { createCipheriv, createDecipheriv, createHmac, randomUUID } from 'node:crypto';
import { RandomPool } from './random-pool';
import { SqliteDatabase, type IdentityClaim, type SqlDatabase } from '@kedja/event-store';
import type { KeyProvider } from './key-provider';

/**
 * The identity-index kind under which a person's wrapped data key is kept. The key is written
 * through the same claim as the person's dossier number, in the transaction that creates the
 * person, so no person exists without a key and no key without a person, at no extra statement;
 * erasure deletes it together with the index entries.
 */
export const DATA_KEY_KIND = 'data-key';

/**
 * The event erasure appends to the person's stream. Outside the event catalogue: no agency can
 * post it, and the visibility policy shows no actor's timeline a type it does not know.
 */
export const PERSONAL_DATA_ERASED = 'PersonalDataErased';

/** The identifier kinds that are personal data: looked up by keyed hash, stored only sealed. */
export const IDENTIFIER_KINDS: readonly string[] = ['dossier', 'pnr'];

const SEALED_PREFIX = 'pd1.';
const INDEX_PREFIX = 'h1.';
const SEALED_TOKEN = /"(pd1\.[A-Za-z0-9_-]+)"/g;
/** Unwrapped data keys kept in memory: 32 bytes each, so 100,000 of them take a few MB. */
const KEY_CACHE_SIZE = 100_000;
const CHUNK = 500;

/** A person about to be created: their id, their data key and the claim that stores it wrapped. */
export interface FreshPerson {
  readonly personId: string;
  readonly key: Buffer;
  readonly keyClaim: IdentityClaim;
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

const aad = (personId: string) => Buffer.from(`kedja:pd1:${personId}`);

/**
 * Personal identifiers over their life: the keyed hash they are looked up by, the per-person data
 * keys they are encrypted under (AES-256-GCM from node:crypto: an AEAD, so a tampered or
 * transplanted ciphertext fails instead of decrypting to something else), and the destruction of
 * both at erasure (crypto-shredding: the ciphertexts left in the immutable log are then noise).
 */
/** How many identifiers' keyed hashes `index` keeps (a few MB at most). */
const INDEXED_KEPT = 20_000;

export class PersonalData {
  /** Unwrapped keys by their stored (wrapped) value: an erased person's value is gone, so is the hit. */
  private readonly byWrapped = new Map<string, Buffer>();
  /** The wrapped value last seen per person, for callers that know only the person. */
  private readonly wrappedOf = new Map<string, string>();

  private constructor(
    readonly db: SqlDatabase,
    readonly provider: KeyProvider,
    private readonly secret: Buffer,
  ) {}

  private readonly random = new RandomPool();
  /** Recent identifiers' keyed hashes (see `index`). */
  private readonly indexed = new Map<string, string>();

  static async open(db: SqlDatabase, provider: KeyProvider): Promise<PersonalData> {
    return new PersonalData(db, provider, await provider.indexSecret());
  }

  /**
   * The value an identifier is stored and looked up under: its keyed hash for a dossier number or
   * personnummer (never the clear value), the value itself for a person id, which is no one's
   * personal identifier. Deterministic, so equal identifiers meet in the index.
   */
  index(kind: string, value: string): string {
    if (!IDENTIFIER_KINDS.includes(kind)) return value;
    // A person's events name the same subject again and again (a batch holds several of each), and
    // an HMAC costs a few µs to set up: recent ones are kept in this process's memory only,
    // bounded, never written anywhere. After an erasure a kept hash finds no index entry.
    const input = `${kind}:${value}`;
    let hash = this.indexed.get(input);
    if (hash === undefined) {
      hash = INDEX_PREFIX + createHmac('sha256', this.secret).update(input).digest('base64url');
      if (this.indexed.size >= INDEXED_KEPT) this.indexed.delete(this.indexed.keys().next().value!);
      this.indexed.set(input, hash);
    }
    return hash;
  }

  /** A new person's id and data key, the key wrapped by the master key into the claim that stores it. */
  async freshPerson(): Promise<FreshPerson> {
    return this.keyFor(randomUUID());
  }

  /** A new data key for `personId` (a new person, or one stored before keys existed), wrapped into its claim. */
  async keyFor(personId: string): Promise<FreshPerson> {
    const key = this.random.take(32);
    const { keyId, wrapped } = await this.provider.wrap(key, personId);
    const value = `${keyId}.${wrapped.toString('base64url')}`;
    this.cache(personId, value, key);
    return { personId, key, keyClaim: { kind: DATA_KEY_KIND, value } };
  }

  seal(key: Buffer, personId: string, plaintext: string): string {
    const iv = this.random.take(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(personId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The clear text of a sealed value; throws when it was not sealed under this key and person. */
  unseal(key: Buffer, personId: string, token: string): string {
    const raw = Buffer.from(token.slice(SEALED_PREFIX.length), 'base64url');
    if (raw.length < 28) throw new Error('not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(aad(personId));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
  }

  /** A data object with its sealed string fields opened (fields that do not open stay as they are). */
  unsealData(key: Buffer, personId: string, data: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...data };
    for (const [field, value] of Object.entries(data)) {
      if (!isSealed(value)) continue;
      try {
        out[field] = this.unseal(key, personId, value);
      } catch {
        // Not ours (a client's text that merely looks sealed): shown as sent.
      }
    }
    return out;
  }

  /**
   * Replaces every sealed string in a JSON text with its clear value (the timeline's answer, made
   * from what the caller may see, so only fields the caller may see are ever opened).
   */
  unsealJson(key: Buffer, personId: string, json: string): string {
    if (!json.includes(`"${SEALED_PREFIX}`)) return json;
    return json.replace(SEALED_TOKEN, (whole, token: string) => {
      try {
        return JSON.stringify(this.unseal(key, personId, token));
      } catch {
        return whole;
      }
    });
  }

  /** The data key stored (wrapped) as `value` for `personId`, unwrapped once and then cached. */
  async unwrap(personId: string, value: string): Promise<Buffer> {
    const cached = this.byWrapped.get(value);
    if (cached) return cached;
    const dot = value.indexOf('.');
    const key = await this.provider.unwrap(value.slice(0, dot), Buffer.from(value.slice(dot + 1), 'base64url'), personId);
    this.cache(personId, value, key);
    return key;
  }

  /** The cached data key of a person, if this process has used it and it has not been erased here. */
  cachedKey(personId: string): Buffer | undefined {
    const value = this.wrappedOf.get(personId);
    return value === undefined ? undefined : this.byWrapped.get(value);
  }

  /** The data keys of the persons that have one (an erased person has none), in one query per 500. */
  async keysFor(personIds: Iterable<string>): Promise<Map<string, Buffer>> {
    const ids = [...new Set(personIds)];
    const keys = new Map<string, Buffer>();
    for (let at = 0; at < ids.length; at += CHUNK) {
      const chunk = ids.slice(at, at + CHUNK);
      const rows = await this.db.query<{ stream_id: string; value: string }>(
        `SELECT stream_id, value FROM identities WHERE kind = '${DATA_KEY_KIND}' AND stream_id IN (${chunk.map((_, i) => `$${i + 1}`).join(', ')})`,
        chunk,
      );
      for (const row of rows) keys.set(row.stream_id, await this.unwrap(row.stream_id, row.value));
    }
    return keys;
  }

  /**
   * Destroys a person's data key and identifier index entries (the person-id link stays: it names
   * no one outside this service). Then makes sure the bytes are gone from the files too: on SQLite
   * with `secure_delete` (deleted cells are zeroed) and a truncating checkpoint (the write-ahead
   * log holding earlier page images is emptied); on PostgreSQL a dead row is never in a dump, and
   * the README gives the VACUUM procedure for the data files. Returns how many rows went.
   */
  async destroy(personId: string): Promise<number> {
    const sqlite = this.db instanceof SqliteDatabase ? this.db : undefined;
    sqlite?.connection.pragma('secure_delete = ON');
    let removed: number;
    try {
      removed = await this.db.execute(
        `DELETE FROM identities WHERE stream_id = $1 AND kind IN ('${DATA_KEY_KIND}', ${IDENTIFIER_KINDS.map((k) => `'${k}'`).join(', ')})`,
        [personId],
      );
    } finally {
      sqlite?.connection.pragma('secure_delete = OFF');
    }
    const value = this.wrappedOf.get(personId);
    if (value !== undefined) this.byWrapped.delete(value);
    this.wrappedOf.delete(personId);
    if (sqlite) await truncateWal(sqlite);
    return removed;
  }

  /**
   * Re-wraps every data key not under the current master key (rotation, see the README); resumable,
   * as each row is rewritten on its own. Returns how many were re-wrapped.
   */
  async rewrapAll(onProgress?: (done: number, total: number) => void): Promise<number> {
    const current = this.provider.currentKeyId;
    const rows = await this.db.query<{ stream_id: string; value: string }>(
      `SELECT stream_id, value FROM identities WHERE kind = '${DATA_KEY_KIND}' AND value NOT LIKE $1`,
      [`${current}.%`],
    );
    let done = 0;
    for (const row of rows) {
      const key = await this.unwrap(row.stream_id, row.value);
      const { keyId, wrapped } = await this.provider.wrap(key, row.stream_id);
      const value = `${keyId}.${wrapped.toString('base64url')}`;
      await this.db.execute(`UPDATE identities SET value = $1 WHERE kind = '${DATA_KEY_KIND}' AND stream_id = $2 AND value = $3`, [value, row.stream_id, row.value]);
      this.cache(row.stream_id, value, key);
      done += 1;
      onProgress?.(done, rows.length);
    }
    return done;
  }

  private cache(personId: string, value: string, key: Buffer): void {
    const previous = this.wrappedOf.get(personId);
    if (previous !== undefined && previous !== value) this.byWrapped.delete(previous);
    this.wrappedOf.delete(personId);
    this.wrappedOf.set(personId, value);
    this.byWrapped.set(value, key);
    if (this.wrappedOf.size > KEY_CACHE_SIZE) {
      const [oldest, oldValue] = this.wrappedOf.entries().next().value!;
      this.wrappedOf.delete(oldest);
      this.byWrapped.delete(oldValue);
    }
  }
}

/**
 * Checkpoints the whole write-ahead log into the database file and truncates it, so no earlier
 * image of a page (with a destroyed key in it) stays in the `-wal` file. A reader holding an old
 * snapshot makes SQLite answer busy; it is retried for a while, as such reads last milliseconds.
 */
export async function truncateWal(db: SqliteDatabase): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const [result] = db.connection.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    if (result === undefined || result.busy === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the write-ahead log could not be truncated: readers kept it busy');
}
