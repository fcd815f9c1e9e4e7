import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { startTestApp, type TestApp } from '../support/test-app';
import { axeViolations, launchBrowser, screenshot, watchProblems } from './support/browser';
import { importWebPopulation, type WebPopulation } from './support/population';

jest.setTimeout(60_000);

const ACCOUNTS = { anna: { actor: 'municipality:2281', roles: ['caseworker'] } };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startProvider(redirectUri: string): Promise<{ issuer: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'support/oidc-provider.mjs'), redirectUri, JSON.stringify(ACCOUNTS)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const issuer = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { issuer: string }).issuer);
    });
    child.on('exit', (code) => reject(new Error(`the OIDC provider exited (${code}): ${errors}`)));
  });
  return { issuer, child };
}

/** Production sign-in: the authorization code flow with PKCE against the configured issuer. */
describe('signing in through OpenID Connect', () => {
  let provider: { issuer: string; child: ChildProcess };
  let app: TestApp;
  let browser: Browser;
  let base: string;
  let people: WebPopulation;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    [provider, browser] = await Promise.all([startProvider(`${base}/`), launchBrowser()]);
    // The archive import runs with a token of a second configured issuer (the platform's own IdP).
    const importer = await generateKeyPair('ES256');
    const importerIssuer = 'urn:test:platform-idp';
    app = await startTestApp('sqlite', {
      KEDJA_ISSUERS: JSON.stringify([
        { issuer: provider.issuer, jwksUri: `${provider.issuer}/jwks`, audience: 'urn:kedja' },
        { issuer: importerIssuer, publicKeyPem: await exportSPKI(importer.publicKey), algorithm: 'ES256', audience: 'urn:kedja' },
      ]),
      KEDJA_WEB_OIDC_ISSUER: provider.issuer,
      KEDJA_WEB_OIDC_CLIENT_ID: 'kedja-web',
      KEDJA_WEB_OIDC_SCOPE: 'openid kedja',
      KEDJA_WEB_OIDC_RESOURCE: 'urn:kedja',
    });
    await app.kedja.app.listen(port, '127.0.0.1');
    const admin = await new SignJWT({ actor: 'platform', roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(importerIssuer)
      .setAudience('urn:kedja')
      .setSubject('importer')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(importer.privateKey);
    people = await importWebPopulation(app, admin);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    provider?.child.kill();
  });

  it('signs in at the provider, keeps its access token out of URLs and localStorage, and reads with it', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    context.setDefaultTimeout(10_000);
    // The provider's development login page asks for web fonts; the test has no internet.
    await context.route(/^https:\/\/fonts\./, (route) => route.abort());
    const page = await context.newPage();
    const problems = watchProblems(page);
    const urls: string[] = [];
    page.on('framenavigated', (frame) => urls.push(frame.url()));
    page.on('request', (request) => urls.push(request.url()));
    await page.goto(base + '/');
    // No pasted tokens in production: the provider is the only way in.
    expect(await page.getByLabel('Access token').count()).toBe(0);
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    const authorize = new URL(urls.find((u) => u.startsWith(`${provider.issuer}/auth`))!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('response_type')).toBe('code');
    await page.locator('input[name="login"]').fill('anna');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    // The provider's consent to the api's scope.
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByText('Signed in as anna').waitFor();
    expect(page.url()).toBe(`${base}/`);
    const storage = (await page.evaluate('({ local: localStorage.length, session: Object.values(sessionStorage) })')) as { local: number; session: string[] };
    expect(storage.local).toBe(0);
    const token = storage.session.find((v) => v.split('.').length === 3)!;
    expect(token).toBeDefined();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: provider.issuer, aud: 'urn:kedja', sub: 'anna', actor: 'municipality:2281', roles: ['caseworker'] });
    // The code came back in the address once (the protocol's), the token never did.
    expect(urls.filter((u) => u.includes(token))).toEqual([]);

    await page.getByRole('link', { name: 'Find a person' }).click();
    await page.getByLabel('Dossier number, personnummer or person id').fill(people.anna.dossier);
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await page.locator('li.event[data-type="SettledInMunicipality"]').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'oidc-timeline');
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
    await context.close();
  });
});
