import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to the embedded store in ./data on port 3000', () => {
    const config = loadConfig({}, '/srv/kedja');
    expect(config).toMatchObject({ port: 3000, dataDir: '/srv/kedja/data', store: { kind: 'sqlite', file: '/srv/kedja/data/kedja.sqlite', synchronous: 'FULL' }, projectionsInProcess: true, issuers: [] });
  });

  it('selects PostgreSQL from DATABASE_URL and leaves projections to the projector', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/kedja' });
    expect(config.store).toEqual({ kind: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:5432/kedja', schema: undefined });
    expect(config.projectionsInProcess).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ KEDJA_STORE: 'mongo' }, /KEDJA_STORE/],
    [{ KEDJA_STORE: 'postgres' }, /DATABASE_URL/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ KEDJA_SQLITE_SYNCHRONOUS: 'OFF' }, /KEDJA_SQLITE_SYNCHRONOUS/],
    [{ KEDJA_ISSUERS: 'not json' }, /KEDJA_ISSUERS/],
    [{ KEDJA_ISSUERS: '[{"issuer":"x"}]' }, /jwksUri or publicKeyPem/],
    [{ KEDJA_PROJECTIONS_IN_PROCESS: 'maybe' }, /KEDJA_PROJECTIONS_IN_PROCESS/],
    [{ DATABASE_URL: 'postgres://x/y', KEDJA_PG_SCHEMA: 'Bad-Name' }, /KEDJA_PG_SCHEMA/],
  ])('stops on a bad setting %j with a message naming it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  describe('the web front', () => {
    const issuers = JSON.stringify([{ issuer: 'https://login.example.se', jwksUri: 'https://login.example.se/jwks' }]);

    it('signs in by pasted token unless an OpenID provider is configured', () => {
      expect(loadConfig({}, '/srv/kedja').web).toEqual({ dir: undefined });
      expect(loadConfig({ KEDJA_WEB_DIR: 'public' }, '/srv/kedja').web.dir).toBe('/srv/kedja/public');
    });

    it('takes the provider, its client id, scope and resource', () => {
      const config = loadConfig({ KEDJA_ISSUERS: issuers, KEDJA_WEB_OIDC_ISSUER: 'https://login.example.se', KEDJA_WEB_OIDC_CLIENT_ID: 'kedja-web', KEDJA_WEB_OIDC_RESOURCE: 'urn:kedja' });
      expect(config.web.oidc).toEqual({ issuer: 'https://login.example.se', clientId: 'kedja-web', scope: 'openid', resource: 'urn:kedja' });
    });

    it.each([
      [{ KEDJA_WEB_OIDC_ISSUER: 'https://login.example.se', KEDJA_WEB_OIDC_CLIENT_ID: 'kedja-web' }, /one of the issuers in KEDJA_ISSUERS/],
      [{ KEDJA_ISSUERS: issuers, KEDJA_WEB_OIDC_ISSUER: 'https://login.example.se' }, /KEDJA_WEB_OIDC_CLIENT_ID/],
    ])('stops on a provider the api could not verify or use: %j', (env, message) => {
      expect(() => loadConfig(env)).toThrow(message);
    });
  });
});
