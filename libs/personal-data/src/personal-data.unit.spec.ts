import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SqliteDatabase } from '@kedja/event-store';
import { FileKeyProvider, KEY_FILE_NAME } from './key-provider';
import { PersonalData } from './personal-data';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-pd-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
const memory = () => new SqliteDatabase({ file: ':memory:' });

describe('FileKeyProvider', () => {
  it('creates the key file readable by its owner only, and refuses one others can read', () => {
    const dir = tempDir();
    const provider = FileKeyProvider.open(dir);
    const file = path.join(dir, KEY_FILE_NAME);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(FileKeyProvider.open(dir).currentKeyId).toBe(provider.currentKeyId);
    fs.chmodSync(file, 0o644);
    expect(() => FileKeyProvider.open(dir)).toThrow(/mode 0600/);
  });

  it('unwraps only under the master key and the person it was wrapped for', async () => {
    const provider = FileKeyProvider.open(tempDir());
    const key = Buffer.alloc(32, 7);
    const { keyId, wrapped } = await provider.wrap(key, 'person-a');
    expect(await provider.unwrap(keyId, wrapped, 'person-a')).toEqual(key);
    await expect(provider.unwrap(keyId, wrapped, 'person-b')).rejects.toThrow();
    await expect(FileKeyProvider.open(tempDir()).unwrap(keyId, wrapped, 'person-a')).rejects.toThrow();
  });
});

describe('PersonalData', () => {
  it('indexes identifiers by a keyed hash: stable, different per secret and per kind, never the value', async () => {
    const one = await PersonalData.open(memory(), FileKeyProvider.open(tempDir()));
    const other = await PersonalData.open(memory(), FileKeyProvider.open(tempDir()));
    const pnr = '199001012383';
    expect(one.index('pnr', pnr)).toBe(one.index('pnr', pnr));
    expect(one.index('pnr', pnr)).not.toBe(other.index('pnr', pnr));
    expect(one.index('pnr', pnr)).not.toBe(one.index('dossier', pnr));
    expect(one.index('pnr', pnr)).not.toContain('9001012383');
    // A person id is not personal data: looked up as it is.
    expect(one.index('person', 'b3c1')).toBe('b3c1');
  });

  it('seals with AES-256-GCM: opens only with the person\'s key and id, and a changed byte fails', async () => {
    const pd = await PersonalData.open(memory(), FileKeyProvider.open(tempDir()));
    const a = await pd.freshPerson();
    const b = await pd.freshPerson();
    const sealed = pd.seal(a.key, a.personId, '199001012383');
    expect(sealed).toMatch(/^pd1\./);
    expect(sealed).not.toContain('199001012383');
    expect(pd.seal(a.key, a.personId, '199001012383')).not.toBe(sealed);
    expect(pd.unseal(a.key, a.personId, sealed)).toBe('199001012383');
    expect(() => pd.unseal(b.key, a.personId, sealed)).toThrow();
    expect(() => pd.unseal(a.key, b.personId, sealed)).toThrow();
    const raw = Buffer.from(sealed.slice(4), 'base64url');
    raw[14] ^= 1;
    expect(() => pd.unseal(a.key, a.personId, `pd1.${raw.toString('base64url')}`)).toThrow();
    // In a JSON answer: sealed values opened, anything else (or not ours) left as it is.
    const json = JSON.stringify({ pnr: sealed, other: 'pd1.AAAA', plain: 'x' });
    expect(JSON.parse(pd.unsealJson(a.key, a.personId, json))).toEqual({ pnr: '199001012383', other: 'pd1.AAAA', plain: 'x' });
  });

  it('finds keys by person, forgets them at destroy, and re-wraps them under a new master key', async () => {
    const db = memory();
    await db.execute('CREATE TABLE identities (kind TEXT NOT NULL, value TEXT NOT NULL, stream_id TEXT NOT NULL, claimed_time TEXT NOT NULL, PRIMARY KEY (kind, value))');
    const dir = tempDir();
    const provider = FileKeyProvider.open(dir);
    const pd = await PersonalData.open(db, provider);
    const a = await pd.freshPerson();
    await db.execute('INSERT INTO identities VALUES ($1, $2, $3, $4)', [a.keyClaim.kind, a.keyClaim.value, a.personId, 'now']);
    await db.execute('INSERT INTO identities VALUES ($1, $2, $3, $4)', ['pnr', pd.index('pnr', '199001012383'), a.personId, 'now']);
    const old = provider.currentKeyId;
    const fresh = await PersonalData.open(db, FileKeyProvider.open(dir));
    expect((await fresh.keysFor([a.personId])).get(a.personId)).toEqual(a.key);

    provider.addMasterKey();
    expect(await pd.rewrapAll()).toBe(1);
    provider.retire(old);
    const rotated = await PersonalData.open(db, FileKeyProvider.open(dir));
    expect((await rotated.keysFor([a.personId])).get(a.personId)).toEqual(a.key);
    expect(await rotated.rewrapAll()).toBe(0);

    expect(await rotated.destroy(a.personId)).toBe(2);
    expect(await rotated.keysFor([a.personId])).toEqual(new Map());
    expect(rotated.cachedKey(a.personId)).toBeUndefined();
  });
});
