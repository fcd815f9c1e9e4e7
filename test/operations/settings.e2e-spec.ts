import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

// A bad setting as an operator makes it, against the real entry points: one line naming the
// setting (no stack), exit 2; an unreachable database named as the database, exit 1.
const REGISTER = path.resolve(__dirname, '../support/ts-register.js');
const ROOT = path.resolve(__dirname, '../..');

function run(main: string, env: Record<string, string>) {
  const started = Date.now();
  const result = spawnSync(process.execPath, ['-r', REGISTER, path.join(ROOT, main)], {
    cwd: ROOT, env: { ...process.env, KEDJA_LOG_FORMAT: 'json', PORT: '0', KEDJA_PROJECTOR_PORT: '0', ...env }, encoding: 'utf8', timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr, ms: Date.now() - started };
}

describe.each(['apps/api/src/main.ts', 'apps/projector/src/main.ts'])('starting %s with bad settings', (main) => {
  it('a bad KEDJA_GAP_* value stops with one line naming it and exit 2', () => {
    const { status, stderr } = run(main, { KEDJA_GAP_SETTLEMENT_TO_SFI: 'a while' });
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/configuration error: KEDJA_GAP_SETTLEMENT_TO_SFI must be a number of days or months/)]);
  });

  it('an unwritable KEDJA_DATA_DIR fails at once with exit 2', () => {
    const { status, stderr, ms } = run(main, { KEDJA_DATA_DIR: '/proc/self', KEDJA_STORE: 'sqlite', DATABASE_URL: '' });
    expect(status).toBe(2);
    expect(stderr).toMatch(/configuration error: KEDJA_DATA_DIR \/proc\/self is not writable/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(ms).toBeLessThan(20_000);
  });

  it('a refused database connection is retried for KEDJA_DB_CONNECT_TIMEOUT, then named, password redacted, exit 1', () => {
    const { status, stderr } = run(main, { KEDJA_STORE: 'postgres', DATABASE_URL: 'postgres://kedja:s3cret@127.0.0.1:1/kedja', KEDJA_DB_CONNECT_TIMEOUT: '1' });
    expect(status).toBe(1);
    expect(stderr).toMatch(/cannot connect to the database at postgres:\/\/kedja:\*\*\*@127\.0\.0\.1:1\/kedja: .*ECONNREFUSED/);
    expect(stderr).not.toContain('s3cret');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a second projector on the same host', () => {
  it('refuses a KEDJA_PROJECTOR_PORT in use with one line naming it and exit 2', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-port-'));
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const { status, stderr } = run('apps/projector/src/main.ts', { KEDJA_DATA_DIR: dataDir, KEDJA_STORE: 'sqlite', DATABASE_URL: '', HOST: '127.0.0.1', KEDJA_PROJECTOR_PORT: String(port) });
      expect(status).toBe(2);
      expect(stderr).toContain(`configuration error: KEDJA_PROJECTOR_PORT ${port} is in use`);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

