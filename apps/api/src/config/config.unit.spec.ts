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

  it('limits tokens to 12 hours and each token to 1,200,000 requests a minute unless configured', () => {
    expect(loadConfig({})).toMatchObject({ tokenMaxLifetimeSeconds: 43200, rateLimitPerMinute: 1_200_000, audience: undefined });
    expect(loadConfig({ KEDJA_TOKEN_MAX_LIFETIME: '90m', KEDJA_RATE_LIMIT: '0' })).toMatchObject({ tokenMaxLifetimeSeconds: 5400, rateLimitPerMinute: 0 });
    expect(loadConfig({ KEDJA_TOKEN_MAX_LIFETIME: '3600' }).tokenMaxLifetimeSeconds).toBe(3600);
  });

  it('checks the audience kedja with configured issuers, or KEDJA_AUDIENCE', () => {
    const issuers = '[{"issuer":"https://idp.example.se","jwksUri":"https://idp.example.se/jwks.json"}]';
    expect(loadConfig({ KEDJA_ISSUERS: issuers }).audience).toBe('kedja');
    expect(loadConfig({ KEDJA_ISSUERS: issuers, KEDJA_AUDIENCE: 'kedja-prod' }).audience).toBe('kedja-prod');
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
    [{ KEDJA_TOKEN_MAX_LIFETIME: 'forever' }, /KEDJA_TOKEN_MAX_LIFETIME/],
    [{ KEDJA_TOKEN_MAX_LIFETIME: '31d' }, /KEDJA_TOKEN_MAX_LIFETIME/],
    [{ KEDJA_TOKEN_MAX_LIFETIME: '10s' }, /KEDJA_TOKEN_MAX_LIFETIME/],
    [{ KEDJA_RATE_LIMIT: 'lots' }, /KEDJA_RATE_LIMIT/],
    [{ KEDJA_RATE_LIMIT: '-1' }, /KEDJA_RATE_LIMIT/],
    [{ KEDJA_AUDIENCE: 'has space' }, /KEDJA_AUDIENCE/],
    [{ KEDJA_GAP_PERMIT_TO_SETTLEMENT: 'soon' }, /^KEDJA_GAP_PERMIT_TO_SETTLEMENT must be a number of days or months/],
    [{ KEDJA_GAP_PERMIT_TO_SETLEMENT: '60d' }, /^KEDJA_GAP_PERMIT_TO_SETLEMENT is not a setting/],
    [{ KEDJA_LOG_FORMAT: 'xml' }, /KEDJA_LOG_FORMAT/],
    [{ KEDJA_SHUTDOWN_TIMEOUT: '0' }, /KEDJA_SHUTDOWN_TIMEOUT/],
    [{ KEDJA_DB_CONNECT_TIMEOUT: 'long' }, /KEDJA_DB_CONNECT_TIMEOUT/],
    [{ KEDJA_PROJECTOR_PORT: '-1' }, /KEDJA_PROJECTOR_PORT/],
    [{ KEDJA_MIN_CELL: '2' }, /KEDJA_MIN_CELL cannot be below 3/],
    [{ KEDJA_MIN_CELL: '0' }, /KEDJA_MIN_CELL cannot be below 3/],
    [{ KEDJA_MIN_CELL: '-5' }, /KEDJA_MIN_CELL/],
    [{ KEDJA_MIN_CELL: 'five' }, /KEDJA_MIN_CELL/],
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

  it('reads the operations settings: gap thresholds, log format (JSON off a terminal), shutdown and connect timeouts', () => {
    const config = loadConfig({ KEDJA_GAP_SETTLEMENT_TO_SFI: '30d', KEDJA_SHUTDOWN_TIMEOUT: '25' }, '/srv', false);
    expect(config.gapThresholds['settlement-to-sfi']).toEqual({ days: 30 });
    expect(config).toMatchObject({ logFormat: 'json', shutdownTimeoutMs: 25_000, dbConnectTimeoutMs: 30_000, projectorPort: 3001 });
    expect(loadConfig({}, '/srv', true).logFormat).toBe('text');
    expect(loadConfig({ KEDJA_LOG_FORMAT: 'json' }, '/srv', true).logFormat).toBe('json');
    expect(loadConfig({}, '/srv').shutdownTimeoutMs).toBe(10_000);
  });

  it('sets the disclosure threshold from KEDJA_MIN_CELL: 5 by default, 3 at the least', () => {
    expect(loadConfig({}).minCell).toBe(5);
    expect(loadConfig({ KEDJA_MIN_CELL: '3' }).minCell).toBe(3);
    expect(loadConfig({ KEDJA_MIN_CELL: '10' }).minCell).toBe(10);
  });
});
