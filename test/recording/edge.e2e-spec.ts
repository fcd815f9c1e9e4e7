import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { SignJWT, importJWK } from 'jose';
import request from 'supertest';
import { loadOrCreateLocalKey, mintLocalToken } from '@kedja/auth';
import { loadConfig } from '../../apps/api/src/config/config';
import { createApp } from '../../apps/api/src/bootstrap';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { caseOpened, dossier } from '../support/events';

/** CONTRACT.md v1.1 at the edge: compressed bodies, tokens, rate limits, headers, file modes (logs: access-log.e2e-spec.ts). */
const MV = 'migrationsverket';

describeEachStore('the edge of the service', (kind) => {
  let app: TestApp;
  let mv: string;
  beforeAll(async () => {
    app = await startTestApp(kind, { KEDJA_RATE_LIMIT: '40', KEDJA_TOKEN_MAX_LIFETIME: '2h' });
    mv = await app.token(MV, 'integration');
  }, 60_000);
  afterAll(() => app?.close());

  const postRaw = (body: Buffer, encoding: string, token = mv) => app.http().post('/v1/events').set('Authorization', `Bearer ${token}`)
    .set('Content-Type', 'application/cloudevents+json').set('Content-Encoding', encoding)
    // The bytes as they are: superagent would otherwise serialise a Buffer as JSON for a +json type.
    .serialize((b: unknown) => b as string).send(body);

  describe('compressed bodies', () => {
    it('records a gzip or brotli body', async () => {
      const token = await app.token(MV, 'integration', 'compressed');
      expect((await postRaw(gzipSync(JSON.stringify(caseOpened(dossier()))), 'gzip', token)).status).toBe(201);
      expect((await postRaw(brotliCompressSync(JSON.stringify(caseOpened(dossier()))), 'br', token)).status).toBe(201);
    });

    it.each([
      ['gzip', Buffer.from('this is not gzip at all')],
      ['gzip', gzipSync(JSON.stringify(caseOpened(dossier()))).subarray(0, 20)],
      ['deflate', Buffer.from([0x78, 0x9c, 0xff, 0xff, 0x00])],
      ['br', Buffer.from('not brotli either, not at all')],
    ])('answers a %s body that cannot be decoded 400 invalid-request', async (encoding, body) => {
      const token = await app.token(MV, 'integration', `corrupt-${encoding}-${body.length}`);
      const before = await app.kedja.runtime.store.countAfter(null);
      const response = await postRaw(body, encoding, token);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ code: 'invalid-request', status: 400 });
      expect(await app.kedja.runtime.store.countAfter(null)).toBe(before);
    });

    it('answers an unsupported Content-Encoding 415', async () => {
      const token = await app.token(MV, 'integration', 'compress');
      const response = await postRaw(Buffer.from(JSON.stringify(caseOpened(dossier()))), 'compress', token);
      expect(response.status).toBe(415);
      expect(response.body).toMatchObject({ code: 'unsupported-media-type', detail: expect.stringMatching(/Content-Encoding/) });
    });
  });

  describe('tokens', () => {
    async function signed(iat: number, exp: number): Promise<string> {
      const key = await loadOrCreateLocalKey(app.config.dataDir);
      return new SignJWT({ actor: MV, roles: ['integration'] }).setProtectedHeader({ alg: 'ES256', kid: key.kid }).setIssuer('kedja:local')
        .setSubject('lifetime').setIssuedAt(iat).setExpirationTime(exp).sign(await importJWK(key.privateJwk, 'ES256'));
    }
    const now = () => Math.floor(Date.now() / 1000);

    it.each([
      ['a lifetime over KEDJA_TOKEN_MAX_LIFETIME', () => signed(now(), now() + 2 * 3600 + 1), /lives longer than this service accepts \(exp more than 7200 s after iat\)/],
      ['an iat over 60 s ahead', () => signed(now() + 600, now() + 1200), /issued in the future/],
      ['an expired token', () => signed(now() - 600, now() - 60), /expired/],
    ])('refuses %s with 401 naming the rule, on the fast lanes and the router, without echoing the token', async (_name, make, rule) => {
      const token = await make();
      for (const [method, url] of [['post', '/v1/events'], ['post', '/v1/events/'], ['get', '/v1/persons/person:7d1c0f1e-5b8a-4a5e-9a43-0c1e4f6b2d11/timeline'], ['get', '/v1/audit']] as const) {
        const response = await app.http()[method](url).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/cloudevents+json').send(JSON.stringify(caseOpened(dossier())));
        expect({ url, status: response.status, code: response.body.code }).toEqual({ url, status: 401, code: 'unauthorized' });
        expect(response.body.detail).toMatch(rule);
        for (const part of token.split('.')) expect(response.text).not.toContain(part.slice(0, 16));
      }
    });

    it('accepts a token at the limit', async () => {
      const token = await signed(now(), now() + 2 * 3600);
      expect((await app.http().post('/v1/events').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/cloudevents+json').send(JSON.stringify(caseOpened(dossier())))).status).toBe(201);
    });
  });

  describe('rate limiting per token', () => {
    it('answers 429 rate-limited with Retry-After once a token is over KEDJA_RATE_LIMIT, on the fast lanes and the router, and not for another token', async () => {
      const token = await app.token(MV, 'integration', 'busy');
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const url = ['/v1/events', '/v1/events/', '/v1/persons/person:7d1c0f1e-5b8a-4a5e-9a43-0c1e4f6b2d11/timeline'][i % 3];
        const r = await (url.endsWith('timeline') ? app.http().get(url) : app.http().post(url).set('Content-Type', 'application/cloudevents+json').send(JSON.stringify(caseOpened(dossier()))))
          .set('Authorization', `Bearer ${token}`);
        statuses.push(r.status);
      }
      expect(statuses).not.toContain(429);
      for (const [method, url] of [['post', '/v1/events'], ['post', '/v1/events/'], ['get', '/v1/persons/person:7d1c0f1e-5b8a-4a5e-9a43-0c1e4f6b2d11/timeline'], ['get', '/v1/audit']] as const) {
        const over = await app.http()[method](url).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/cloudevents+json').send(JSON.stringify(caseOpened(dossier())));
        expect({ url, status: over.status, code: over.body.code }).toEqual({ url, status: 429, code: 'rate-limited' });
        expect(over.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
        expect(over.text).not.toContain(token.split('.')[2].slice(0, 16));
      }
      const other = await app.token(MV, 'integration', 'calm');
      expect((await app.http().post('/v1/events').set('Authorization', `Bearer ${other}`).set('Content-Type', 'application/cloudevents+json').send(JSON.stringify(caseOpened(dossier())))).status).toBe(201);
    });
  });
});

describe('security headers and /docs under its Content-Security-Policy', () => {
  let app: TestApp;
  beforeAll(async () => { app = await startTestApp('sqlite'); }, 60_000);
  afterAll(() => app?.close());

  const directives = (csp: string) => new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));

  it('sends helmet\'s headers and a strict CSP on API answers, the fast lanes and problems included', async () => {
    for (const response of [await app.http().get('/health'), await app.http().post('/v1/events').send('{}'), await app.http().get('/v1/persons/person:7d1c0f1e-5b8a-4a5e-9a43-0c1e4f6b2d11/timeline'), await app.http().get('/')]) {
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      const csp = directives(response.headers['content-security-policy']);
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('style-src')).toEqual(["'self'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.has('upgrade-insecure-requests')).toBe(false);
    }
  });

  it('documents the rules in the OpenAPI document: 401 and 429 on every /v1 operation, the token rules, the string rules', async () => {
    const { body } = await app.http().get('/openapi.json');
    let operations = 0;
    for (const [route, item] of Object.entries(body.paths as Record<string, Record<string, { responses: Record<string, { description: string; headers?: Record<string, unknown> }> }>>)) {
      if (!route.startsWith('/v1')) continue;
      for (const operation of Object.values(item)) {
        operations++;
        expect({ route, has429: operation.responses['429']?.headers?.['Retry-After'] !== undefined }).toEqual({ route, has429: true });
        expect(operation.responses['401']).toBeDefined();
      }
    }
    expect(operations).toBeGreaterThan(8);
    expect(body.components.securitySchemes.bearer.description).toMatch(/KEDJA_TOKEN_MAX_LIFETIME.*KEDJA_RATE_LIMIT/s);
    expect(body.paths['/v1/events'].post.description).toMatch(/lone surrogates/);
    expect(body.info.description).toMatch(/<unnamed field>/);
    expect(body.info.description).toContain('rate-limited');
  });

  it('serves /docs with no inline script, every asset it names loading from this origin under the policy', async () => {
    const page = await app.http().get('/docs/').redirects(1);
    expect(page.status).toBe(200);
    const csp = directives(page.headers['content-security-policy']);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:']);
    const html = page.text;
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src=/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers, which script-src-attr 'none' forbids
    const assets = [...html.matchAll(/(?:src|href)=["']([^"']+)["']/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining([expect.stringMatching(/swagger-ui-bundle\.js$/), expect.stringMatching(/swagger-ui-init\.js$/), expect.stringMatching(/swagger-ui\.css$/)]));
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//); // all from this origin: 'self'
      const url = new URL(asset, 'http://kedja/docs/').pathname;
      const response = await app.http().get(url);
      expect({ url, status: response.status }).toEqual({ url, status: 200 });
    }
    // The init script carries the document (no fetch needed), and the CSS needs only data: images.
    const init = await app.http().get('/docs/swagger-ui-init.js');
    expect(init.text).toContain('"openapi"');
    const css = await app.http().get('/docs/swagger-ui.css');
    for (const m of css.text.matchAll(/url\(["']?([^"')]+)/g)) expect(m[1]).toMatch(/^data:/);
  });
});

describe('file modes of the data directory', () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-modes-'));
  afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));
  const mode = (file: string) => fs.statSync(file).mode & 0o777;

  async function runOnce(dataDir: string): Promise<void> {
    const kedja = await createApp(loadConfig({ KEDJA_DATA_DIR: dataDir, KEDJA_STORE: 'sqlite', KEDJA_LOG_REQUESTS: 'false' }), { logger: false });
    try {
      const token = await mintLocalToken(dataDir, { actor: MV, roles: ['integration'], sub: 'modes' });
      const response = await request(kedja.app.getHttpServer()).post('/v1/events').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/cloudevents+json').send(JSON.stringify(caseOpened(dossier())));
      expect(response.status).toBe(201);
      // While open: the WAL and shared-memory files exist.
      for (const f of ['kedja.sqlite-wal', 'kedja.sqlite-shm']) expect({ f, mode: mode(path.join(dataDir, f)) }).toEqual({ f, mode: 0o600 });
    } finally {
      await kedja.close();
    }
  }

  it('creates the directory 0700 and every file in it 0600', async () => {
    const dataDir = path.join(parent, 'fresh', 'data');
    await runOnce(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    const files = fs.readdirSync(dataDir);
    expect(files).toEqual(expect.arrayContaining(['kedja.sqlite', 'signing-key.jwk.json']));
    for (const f of files) expect({ f, mode: mode(path.join(dataDir, f)) }).toEqual({ f, mode: 0o600 });
  });

  it('tightens an existing directory and files left readable by others', async () => {
    const dataDir = path.join(parent, 'existing');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    await runOnce(dataDir);
    for (const f of fs.readdirSync(dataDir)) fs.chmodSync(path.join(dataDir, f), 0o644);
    fs.chmodSync(dataDir, 0o755);
    await runOnce(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    for (const f of fs.readdirSync(dataDir)) expect({ f, mode: mode(path.join(dataDir, f)) }).toEqual({ f, mode: 0o600 });
  });
});
