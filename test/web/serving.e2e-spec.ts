import { startTestApp, type TestApp } from '../support/test-app';
import { contentSecurityPolicy } from '../../apps/api/src/web/web-front';
import { requireBuiltFront } from './support/browser';

/** The api serves the built front at `/` and leaves its own paths exactly as they were. */
describe('the web front, served by the api', () => {
  let app: TestApp;
  beforeAll(async () => {
    requireBuiltFront();
    app = await startTestApp('sqlite');
  });
  afterAll(() => app.close());

  it('answers / with the page and a CSP that allows only its own origin', async () => {
    const response = await app.http().get('/');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
    // No inline script or style in the page itself: the CSP would refuse them.
    expect(response.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(response.text).not.toMatch(/<style|style=/);
    const csp = response.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("connect-src 'self';");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('adds the OpenID provider, and nothing else, to connect-src when sign-in goes through it', () => {
    const csp = contentSecurityPolicy({ oidc: { issuer: 'https://login.example.se/realms/kedja', clientId: 'web', scope: 'openid' } });
    expect(csp).toContain("connect-src 'self' https://login.example.se;");
    expect(csp).toContain("script-src 'self';");
  });

  it('serves the hashed assets and answers a missing asset 404, not with the page', async () => {
    const page = await app.http().get('/');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)![1];
    const asset = await app.http().get(script);
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
    const missing = await app.http().get('/assets/nothing-here.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('falls back to the page for the front’s own routes', async () => {
    for (const route of ['/person', '/views/chain-gaps', '/analytics', '/admin', '/anything/else']) {
      const response = await app.http().get(route);
      expect(response.status).toBe(200);
      expect(response.text).toContain('<div id="app"></div>');
    }
  });

  it('leaves /v1, /health, /metrics, /openapi.json and /docs to the api', async () => {
    const unknown = await app.http().get('/v1/no-such-thing');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    const unauthenticated = await app.http().get('/v1/views/chain-gaps');
    expect(unauthenticated.status).toBe(401);
    expect((await app.http().get('/health')).headers['content-type']).toMatch(/json/);
    expect((await app.http().get('/metrics')).text).toMatch(/# (HELP|TYPE)/);
    expect((await app.http().get('/openapi.json')).body.openapi).toMatch(/^3\.1/);
    expect((await app.http().get('/docs/')).text).toMatch(/swagger/i);
    // A POST to a front route is not the front's: the api answers as before.
    expect((await app.http().post('/person').send({})).headers['content-type']).toMatch(/problem\+json/);
  });

  it('tells the page how to sign in, and offers no tokens outside the demo', async () => {
    const response = await app.http().get('/app-config.json');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ oidc: null, demoTokens: [] });
    expect(response.headers['cache-control']).toBe('no-store');
  });
});
