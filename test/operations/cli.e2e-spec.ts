import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { mintLocalToken } from '@kedja/auth';
import { startTestApp, type TestApp } from '../support/test-app';
import { caseOpened, dossier } from '../support/events';

// The CLI as an operator meets it: real processes, real exit codes (0 ok, 1 failure, 2 usage).
const REGISTER = path.resolve(__dirname, '../support/ts-register.js');
const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'apps/cli/src/main.ts');

function kedja(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', REGISTER, CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(stdin ?? '');
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

describe('kedja CLI for operators', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-cli-ops-'));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('--version prints the package version and exits 0', async () => {
    const { code, stdout } = await kedja(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  it.each([[['ingest']], [['ingest', '-', '--batch', '0']], [['--no-such-flag']], [['projections', 'rebuild']]])('a usage error %j exits 2', async (args) => {
    expect((await kedja(args)).code).toBe(2);
  });

  it('projections status on a data directory without a store says so, exits 1, and creates nothing', async () => {
    const dataDir = path.join(scratch, 'not-here');
    const { code, stderr } = await kedja(['projections', 'status'], { KEDJA_DATA_DIR: dataDir, KEDJA_STORE: 'sqlite', DATABASE_URL: '' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/no store at .*not-here.*KEDJA_DATA_DIR/);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('token warns when it makes a fresh signing key in an empty data directory, and not when the key is there', async () => {
    const dataDir = path.join(scratch, 'fresh-key');
    const env = { KEDJA_DATA_DIR: dataDir, KEDJA_STORE: 'sqlite', DATABASE_URL: '' };
    const first = await kedja(['token', '--actor', 'platform', '--role', 'admin', '--sub', 'ops'], env);
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(first.stderr).toMatch(/held no signing key, so a new one was made; the api accepts this token only if its KEDJA_DATA_DIR is this directory/);
    const second = await kedja(['token', '--actor', 'platform', '--role', 'admin', '--sub', 'ops'], env);
    expect(second.stderr).toBe('');
  });

  it('ingest gives up on a dead server within seconds with --attempts 2, exit 1', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const feed = Array.from({ length: 20 }, () => JSON.stringify(caseOpened(dossier()))).join('\n');
    const { code, stderr, ms } = await kedja(['ingest', '-', '--url', `http://127.0.0.1:${port}`, '--attempts', '2', '--batch', '2', '--token', 'x'], {}, `${feed}\n`);
    expect(code).toBe(1);
    expect(stderr).toMatch(/does not answer \(network: .*ECONNREFUSED.*\) after 2 attempt/);
    expect(ms).toBeLessThan(15_000);
  });

  describe('against a running api', () => {
    let app: TestApp;
    let url: string;
    beforeAll(async () => {
      app = await startTestApp('sqlite');
      await app.kedja.app.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${(app.kedja.app.getHttpServer().address() as net.AddressInfo).port}`;
    });
    afterAll(() => app?.close());

    it('prints the API\'s detail and the fields it names for rejected events, and calls failures by name in the progress', async () => {
      const token = await app.token('migrationsverket', 'integration');
      const bad = caseOpened(dossier(), { route: 'teleport' });
      const good = caseOpened(dossier());
      const { code, stdout, stderr } = await kedja(['ingest', '-', '--url', url, '--token', token], {}, `${JSON.stringify(good)}\n${JSON.stringify(bad)}\n`);
      expect(code).toBe(1);
      expect(stdout).toMatch(/rejected\s+1/);
      expect(stdout).toMatch(/invalid-event: .*data\.route/);
      expect(stdout).not.toMatch(/invalid-event: The event is invalid\s*$/m);
      expect(stderr).toMatch(/1 rejected, 0 failed/);
    });

    it('a token signed with another data directory\'s key hints at KEDJA_DATA_DIR', async () => {
      const elsewhere = path.join(scratch, 'other-data');
      const token = await mintLocalToken(elsewhere, { actor: 'migrationsverket', roles: ['integration'], sub: 'wrong-folder' });
      const { code, stderr } = await kedja(['ingest', '-', '--url', url, '--token', token], {}, `${JSON.stringify(caseOpened(dossier()))}\n`);
      expect(code).toBe(1);
      expect(stderr).toMatch(/401 unauthorized: .*signed with the key in KEDJA_DATA_DIR/);
    });
  });
});
