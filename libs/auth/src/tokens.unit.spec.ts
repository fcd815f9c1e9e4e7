import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { LOCAL_ISSUER, TokenError, TokenVerifier, mintLocalToken } from './tokens';

describe('tokens', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-auth-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('mints a token with the instance key that the instance verifies, claims intact', async () => {
    const token = await mintLocalToken(dir, { actor: 'municipality:2281', roles: ['caseworker'], sub: 'anna' });
    const claims = await (await TokenVerifier.create(dir, [])).verify(token);
    expect(claims).toMatchObject({ sub: 'anna', actor: 'municipality:2281', roles: ['caseworker'], iss: LOCAL_ISSUER });
    expect(fs.statSync(path.join(dir, 'signing-key.jwk.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses unknown actors and roles when minting', async () => {
    await expect(mintLocalToken(dir, { actor: 'municipality:22', roles: ['caseworker'], sub: 'x' })).rejects.toThrow(TokenError);
    await expect(mintLocalToken(dir, { actor: 'analyst', roles: ['root' as never], sub: 'x' })).rejects.toThrow(/unknown role/);
    // Shape alone is not enough: 9999 is no kommun, 99 no län.
    await expect(mintLocalToken(dir, { actor: 'municipality:9999', roles: ['caseworker'], sub: 'x' })).rejects.toThrow(TokenError);
    await expect(mintLocalToken(dir, { actor: 'county:99', roles: ['caseworker'], sub: 'x' })).rejects.toThrow(TokenError);
  });

  it('refuses an expired token, a token of another instance, and garbage', async () => {
    const verifier = await TokenVerifier.create(dir, []);
    const expired = await mintLocalToken(dir, { actor: 'analyst', roles: ['analyst'], sub: 'x', ttlSeconds: -5 });
    await expect(verifier.verify(expired)).rejects.toThrow(/expired/);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-auth-other-'));
    try {
      const foreign = await mintLocalToken(other, { actor: 'analyst', roles: ['analyst'], sub: 'x' });
      await expect(verifier.verify(foreign)).rejects.toThrow(/could not be verified/);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
    await expect(verifier.verify('a.b.c')).rejects.toThrow(TokenError);
  });

  it('verifies tokens of a configured issuer (PEM key) and no longer accepts its own', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const verifier = await TokenVerifier.create(dir, [{ issuer: 'https://idp.example.se', publicKeyPem: await exportSPKI(publicKey), algorithm: 'RS256', audience: 'kedja' }]);
    const sign = (claims: Record<string, unknown>, audience = 'kedja') => new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setIssuer('https://idp.example.se')
      .setSubject('svc').setAudience(audience).setExpirationTime('5m').sign(privateKey);
    expect(await verifier.verify(await sign({ actor: 'arbetsformedlingen', roles: ['integration'] }))).toMatchObject({ actor: 'arbetsformedlingen' });
    await expect(verifier.verify(await sign({ actor: 'arbetsformedlingen', roles: ['integration'] }, 'someone-else'))).rejects.toThrow(TokenError);
    await expect(verifier.verify(await sign({ actor: 'nobody', roles: ['integration'] }))).rejects.toThrow(/actor/);
    await expect(verifier.verify(await sign({ actor: 'analyst', roles: ['superuser'] }))).rejects.toThrow(/roles/);
    const local = await mintLocalToken(dir, { actor: 'analyst', roles: ['analyst'], sub: 'x' });
    await expect(verifier.verify(local)).rejects.toThrow(/trusted issuer/);
  });
});
