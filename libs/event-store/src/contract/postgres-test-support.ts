import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const POSTGRES_TEST_URL = process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/kedja_test';

/**
 * Connects to the server's `postgres` database, creates the test database if it is missing and
 * reports whether the server is usable. Runs in a child process so the answer is known
 * synchronously at module load, where jest decides between `describe` and `describe.skip`.
 */
const probeScript = `
const { Client } = require('pg');
const target = new URL(process.argv[1]);
const database = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
const admin = new URL(target.href); admin.pathname = '/postgres';
(async () => {
  const client = new Client({ connectionString: admin.href, connectionTimeoutMillis: 3000 });
  await client.connect();
  const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (found.rowCount === 0) {
    try { await client.query('CREATE DATABASE "' + database.replace(/"/g, '""') + '" ENCODING \\'UTF8\\' TEMPLATE template0'); }
    catch (error) { if (error.code !== '42P04' && error.code !== '23505') throw error; }
  }
  await client.end();
})().then(() => process.exit(0), (error) => { process.stderr.write(String(error && error.message)); process.exit(1); });
`;

function probe(): string | undefined {
  try {
    execFileSync(process.execPath, ['-e', probeScript, POSTGRES_TEST_URL], {
      cwd: path.resolve(__dirname, '../../../..'),
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 15_000,
    });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || String((error as Error).message);
  }
}

const unreachable = probe();

/**
 * `describe` when PostgreSQL is reachable. Otherwise the suite is skipped with a visible message,
 * and reported as skipped, never as passed; under CI an unreachable server fails instead.
 */
export function describePostgres(name: string, body: () => void): void {
  if (unreachable === undefined) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs a reachable PostgreSQL under CI', () => {
        throw new Error(`PostgreSQL at ${redact(POSTGRES_TEST_URL)} is unreachable: ${unreachable}`);
      });
    });
    return;
  }
  console.warn(`SKIPPED: ${name}: PostgreSQL at ${redact(POSTGRES_TEST_URL)} is unreachable (${unreachable})`);
  describe.skip(name, body);
}

export function randomSchemaName(prefix = 'kedja_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
