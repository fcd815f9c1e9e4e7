import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { RandomPool } from './random-pool';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where the master key lives: the one thing an operator must keep outside the database. A data
 * key (one per person) is only ever stored wrapped by it, and the blind-index secret comes from
 * here too, so a copy of the database alone reveals no identifier and cannot test a guessed one.
 *
 * Pluggable so that production can wrap keys in a KMS or an HSM (the master key never leaves it):
 * an implementation needs only `wrap`/`unwrap` and the index secret. Keys are versioned by id:
 * every wrapped key names the master key it was wrapped under, so rotation is adding a new
 * current key, re-wrapping (PersonalData.rewrapAll) and then retiring the old one.
 */
export interface KeyProvider {
  /** The id of the master key new data keys are wrapped under. */
  readonly currentKeyId: string;
  /** Wraps a data key under the current master key; `context` is authenticated (the person id). */
  wrap(dataKey: Buffer, context: string): Promise<{ readonly keyId: string; readonly wrapped: Buffer }>;
  /** Unwraps a data key wrapped under master key `keyId`; throws when it or `context` does not match. */
  unwrap(keyId: string, wrapped: Buffer, context: string): Promise<Buffer>;
  /** The secret of the keyed hash (HMAC-SHA-256) identifiers are looked up by. */
  indexSecret(): Promise<Buffer>;
}

interface KeyFile {
  readonly version: 1;
  readonly current: string;
  readonly masterKeys: Record<string, string>;
  readonly indexSecret: string;
}

export const KEY_FILE_NAME = 'personal-data.keys.json';

const KEY_ID = /^[a-z0-9-]{1,40}$/;

function newKeyId(): string {
  return `mk-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(4).toString('hex')}`;
}

/**
 * The default provider: master keys and the index secret in a JSON file in the data directory,
 * created with mode 0600 on first start. Wrapping is AES-256-GCM with the person id as
 * additional data, so a wrapped key copied onto another person's row does not unwrap.
 */
export class FileKeyProvider implements KeyProvider {
  private constructor(
    readonly file: string,
    private content: KeyFile,
  ) {}

  private readonly random = new RandomPool();

  /** Opens `dir/personal-data.keys.json`, creating it (0600, in a 0700 directory) when absent. */
  static open(dir: string): FileKeyProvider {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, KEY_FILE_NAME);
    if (!fs.existsSync(file)) {
      const id = newKeyId();
      const content: KeyFile = { version: 1, current: id, masterKeys: { [id]: randomBytes(32).toString('base64') }, indexSecret: randomBytes(32).toString('base64') };
      try {
        // `wx`: two processes starting at once on one data directory must not each write a key.
        fs.writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return new FileKeyProvider(file, FileKeyProvider.read(file));
  }

  private static read(file: string): KeyFile {
    const mode = fs.statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) throw new Error(`${file} must be readable by its owner only (mode 0600), has ${mode.toString(8)}`);
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<KeyFile>;
    const keys = parsed.masterKeys ?? {};
    if (parsed.version !== 1 || typeof parsed.current !== 'string' || typeof keys[parsed.current] !== 'string' || typeof parsed.indexSecret !== 'string') {
      throw new Error(`${file} is not a Kedja key file (version 1 with current, masterKeys and indexSecret)`);
    }
    for (const [id, key] of Object.entries(keys)) {
      if (!KEY_ID.test(id) || Buffer.from(key, 'base64').length !== 32) throw new Error(`${file}: master key ${JSON.stringify(id)} is not 32 bytes of base64`);
    }
    if (Buffer.from(parsed.indexSecret, 'base64').length < 32) throw new Error(`${file}: indexSecret must be at least 32 bytes of base64`);
    return parsed as KeyFile;
  }

  get currentKeyId(): string {
    return this.content.current;
  }

  get keyIds(): string[] {
    return Object.keys(this.content.masterKeys);
  }

  /** Adds a new master key and makes it current; the old ones stay until `retire`. Returns its id. */
  addMasterKey(): string {
    const id = newKeyId();
    this.save({ ...this.content, current: id, masterKeys: { ...this.content.masterKeys, [id]: randomBytes(32).toString('base64') } });
    return id;
  }

  /** Removes a master key no data key is wrapped under any more (see PersonalData.rewrapAll). */
  retire(keyId: string): void {
    if (keyId === this.content.current) throw new Error('the current master key cannot be retired');
    const masterKeys = { ...this.content.masterKeys };
    delete masterKeys[keyId];
    this.save({ ...this.content, masterKeys });
  }

  private save(content: KeyFile): void {
    // Written aside and renamed: a crash never leaves a half-written key file.
    const temporary = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, this.file);
    this.content = content;
  }

  private master(keyId: string): Buffer {
    const key = this.content.masterKeys[keyId];
    if (key === undefined) throw new Error(`master key ${keyId} is not in ${this.file}`);
    return Buffer.from(key, 'base64');
  }

  async wrap(dataKey: Buffer, context: string): Promise<{ keyId: string; wrapped: Buffer }> {
    const keyId = this.content.current;
    const iv = this.random.take(12);
    const cipher = createCipheriv('aes-256-gcm', this.master(keyId), iv);
    cipher.setAAD(Buffer.from(`kedja:data-key:${context}`));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { keyId, wrapped: Buffer.concat([iv, cipher.getAuthTag(), body]) };
  }

  async unwrap(keyId: string, wrapped: Buffer, context: string): Promise<Buffer> {
    const decipher = createDecipheriv('aes-256-gcm', this.master(keyId), wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from(`kedja:data-key:${context}`));
    decipher.setAuthTag(wrapped.subarray(12, 28));
    return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
  }

  async indexSecret(): Promise<Buffer> {
    return Buffer.from(this.content.indexSecret, 'base64');
  }
}
