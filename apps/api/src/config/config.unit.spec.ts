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
    [{ KEDJA_MIN_CELL: '2' }, /KEDJA_MIN_CELL cannot be below 3/],
    [{ KEDJA_MIN_CELL: '0' }, /KEDJA_MIN_CELL cannot be below 3/],
    [{ KEDJA_MIN_CELL: '-5' }, /KEDJA_MIN_CELL/],
    [{ KEDJA_MIN_CELL: 'five' }, /KEDJA_MIN_CELL/],
  ])('stops on a bad setting %j with a message naming it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('sets the disclosure threshold from KEDJA_MIN_CELL: 5 by default, 3 at the least', () => {
    expect(loadConfig({}).minCell).toBe(5);
    expect(loadConfig({ KEDJA_MIN_CELL: '3' }).minCell).toBe(3);
    expect(loadConfig({ KEDJA_MIN_CELL: '10' }).minCell).toBe(10);
  });
});
