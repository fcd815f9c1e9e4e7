import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SignJWT, exportSPKI, generateKeyPair, importJWK } from 'jose';
import { DEFAULT_MAX_LIFETIME_SECONDS, TokenError, TokenVerifier, loadOrCreateLocalKey, mintLocalToken } from './tokens';

// CONTRACT.md v1.1 "Tokens": exp at most the maximum lifetime after iat, iat at most 60 s ahead,
// aud checked with configured issuers; each refusal names its rule and never the token.
describe('token lifetime, issue time and audience', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-token-rules-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A token signed with the instance's own key, with exactly the given iat and exp. */
  async function localToken(iat: number | undefined, exp: number): Promise<string> {
    const key = await loadOrCreateLocalKey(dir);
    const jwt = new SignJWT({ actor: 'analyst', roles: ['analyst'] }).setProtectedHeader({ alg: 'ES256', kid: key.kid }).setIssuer('kedja:local').setSubject('x').setExpirationTime(exp);
    if (iat !== undefined) jwt.setIssuedAt(iat);
    return jwt.sign(await importJWK(key.privateJwk, 'ES256'));
  }
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts exactly the maximum lifetime and refuses one second more, naming the rule', async () => {
    const verifier = await TokenVerifier.create(dir, [], { maxLifetimeSeconds: 3600 });
    const t = now();
    await expect(verifier.verify(await localToken(t, t + 3600))).resolves.toMatchObject({ actor: 'analyst' });
    const long = await localToken(t, t + 3601);
    const refusal = verifier.verify(long);
    await expect(refusal).rejects.toThrow(TokenError);
    await expect(verifier.verify(long)).rejects.toThrow(/lives longer than this service accepts \(exp more than 3600 s after iat\)/);
  });

  it('defaults to 12 hours', async () => {
    const verifier = await TokenVerifier.create(dir, []);
    const t = now();
    expect(DEFAULT_MAX_LIFETIME_SECONDS).toBe(12 * 3600);
    await expect(verifier.verify(await localToken(t, t + 12 * 3600))).resolves.toBeDefined();
    await expect(verifier.verify(await localToken(t, t + 12 * 3600 + 1))).rejects.toThrow(/lives longer/);
    // A year-long token back-dated so that it is not expired is still refused.
    await expect(verifier.verify(await localToken(t - 300 * 86400, t + 65 * 86400))).rejects.toThrow(/lives longer/);
  });

  it('counts a token without iat from now', async () => {
    const verifier = await TokenVerifier.create(dir, [], { maxLifetimeSeconds: 3600 });
    await expect(verifier.verify(await localToken(undefined, now() + 600))).resolves.toBeDefined();
    await expect(verifier.verify(await localToken(undefined, now() + 7200))).rejects.toThrow(/lives longer/);
  });

  it('accepts an iat up to 60 s ahead and refuses one further ahead', async () => {
    const verifier = await TokenVerifier.create(dir, []);
    const t = now();
    await expect(verifier.verify(await localToken(t + 50, t + 600))).resolves.toBeDefined();
    await expect(verifier.verify(await localToken(t + 120, t + 600))).rejects.toThrow(/issued in the future/);
  });

  it('with configured issuers, refuses a token without the configured audience (KEDJA_AUDIENCE)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const verifier = await TokenVerifier.create(dir, [{ issuer: 'https://idp.example.se', publicKeyPem: await exportSPKI(publicKey), algorithm: 'ES256' }], { audience: 'kedja-prod' });
    const sign = (audience?: string) => {
      const jwt = new SignJWT({ actor: 'arbetsformedlingen', roles: ['integration'] }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://idp.example.se').setSubject('svc').setIssuedAt().setExpirationTime('5m');
      if (audience) jwt.setAudience(audience);
      return jwt.sign(privateKey);
    };
    await expect(verifier.verify(await sign('kedja-prod'))).resolves.toMatchObject({ actor: 'arbetsformedlingen' });
    for (const token of [await sign('kedja-test'), await sign(undefined)]) {
      const error = await verifier.verify(token).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(TokenError);
      expect((error as Error).message).toMatch(/not meant for this service \(aud\)/);
      expect((error as Error).message).not.toContain(token.split('.')[1].slice(0, 20));
    }
  });

  it('mints within the limit and refuses a longer lifetime', async () => {
    const token = await mintLocalToken(dir, { actor: 'analyst', roles: ['analyst'], sub: 'x', maxLifetimeSeconds: 1800 });
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { iat: number; exp: number };
    expect(payload.exp - payload.iat).toBe(1800);
    await expect(mintLocalToken(dir, { actor: 'analyst', roles: ['analyst'], sub: 'x', ttlSeconds: 1801, maxLifetimeSeconds: 1800 })).rejects.toThrow(/longer than this instance accepts \(KEDJA_TOKEN_MAX_LIFETIME, 1800 s\)/);
    await expect(mintLocalToken(dir, { actor: 'analyst', roles: ['analyst'], sub: 'x', ttlSeconds: 13 * 3600 })).rejects.toThrow(/KEDJA_TOKEN_MAX_LIFETIME/);
  });
});
