import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../config/config';
import { DatabaseUnavailableError, ensureDataDir, openConfiguredStore, redactUrl } from './open-store';

describe('opening the configured store', () => {
  it('refuses a data directory that cannot be created or written, at once and naming KEDJA_DATA_DIR', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-dd-')), 'a-file');
    fs.writeFileSync(file, '');
    expect(() => ensureDataDir(path.join(file, 'data'))).toThrow(ConfigError);
    expect(() => ensureDataDir(path.join(file, 'data'))).toThrow(/^KEDJA_DATA_DIR .* cannot be created \(ENOTDIR\)/);
    // Exists, but not even root may write there.
    expect(() => ensureDataDir('/proc/self')).toThrow(/^KEDJA_DATA_DIR \/proc\/self is not writable/);
  });

  it('redacts the password of a database URL', () => {
    expect(redactUrl('postgres://kedja:s3cret@db.example:5432/kedja')).toBe('postgres://kedja:***@db.example:5432/kedja');
    expect(redactUrl('postgres://kedja:s3cret@db.example:5432/kedja')).not.toContain('s3cret');
  });

  it('retries a refused PostgreSQL connection with backoff, then says it is the database, without the password', async () => {
    // A port nothing listens on: a real refused connection.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const config = loadConfig({ DATABASE_URL: `postgres://kedja:s3cret@127.0.0.1:${port}/kedja`, KEDJA_DB_CONNECT_TIMEOUT: '2' });
    const retries: number[] = [];
    const started = Date.now();
    const error = await openConfiguredStore(config, { onRetry: (_message, _attempt, delayMs) => retries.push(delayMs) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot connect to the database at postgres://kedja:\\*\\*\\*@127\\.0\\.0\\.1:${port}/kedja: .*ECONNREFUSED`));
    expect((error as Error).message).not.toContain('s3cret');
    expect(retries.slice(0, 3)).toEqual([250, 500, 1000]);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
