import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { registerToken } from './token.command';

describe('kedja token', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-token-cli-'));
    process.env.KEDJA_DATA_DIR = dir;
    delete process.env.DATABASE_URL;
    delete process.env.KEDJA_TOKEN_MAX_LIFETIME;
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<{ iat: number; exp: number }> {
    const program = new Command();
    registerToken(program);
    let out = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => { out += String(chunk); return true; });
    try {
      await program.parseAsync(['node', 'kedja', 'token', '--actor', 'analyst', '--role', 'analyst', '--sub', 'x', ...args]);
    } finally {
      write.mockRestore();
    }
    return JSON.parse(Buffer.from(out.trim().split('.')[1], 'base64url').toString()) as { iat: number; exp: number };
  }

  it('mints for the maximum lifetime by default, 12 h unless configured', async () => {
    const a = await run();
    expect(a.exp - a.iat).toBe(12 * 3600);
    process.env.KEDJA_TOKEN_MAX_LIFETIME = '1h';
    const b = await run();
    expect(b.exp - b.iat).toBe(3600);
    const c = await run('--ttl', '600');
    expect(c.exp - c.iat).toBe(600);
  });

  it('refuses a longer --ttl with a message naming the limit', async () => {
    process.env.KEDJA_TOKEN_MAX_LIFETIME = '2h';
    await expect(run('--ttl', '7201')).rejects.toThrow('--ttl 7201 is longer than the service accepts: KEDJA_TOKEN_MAX_LIFETIME is 7200 s; ask for at most 7200');
    await expect(run('--ttl', '0')).rejects.toThrow(/positive/);
  });
});
