import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { mintLocalToken, type Role } from '@kedja/auth';
import { quoteIdentifier } from '@kedja/event-store';
import { loadConfig, type KedjaConfig } from '../../apps/api/src/config/config';
import { createApp, type KedjaApp } from '../../apps/api/src/bootstrap';
import { POSTGRES_TEST_URL, describePostgres, randomSchemaName } from '../../libs/event-store/src/contract/postgres-test-support';

export type StoreKind = 'sqlite' | 'postgres';

export interface TestApp {
  readonly kind: StoreKind;
  readonly kedja: KedjaApp;
  readonly config: KedjaConfig;
  http(): ReturnType<typeof request>;
  token(actor: string, roles: Role | Role[], sub?: string): Promise<string>;
  close(): Promise<void>;
}

/** A real api on a fresh SQLite file or a fresh PostgreSQL schema, never a mocked store. */
export async function startTestApp(kind: StoreKind, env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-e2e-'));
  const schema = kind === 'postgres' ? randomSchemaName('kedja_e2e') : undefined;
  const config = loadConfig({
    KEDJA_DATA_DIR: dataDir,
    KEDJA_LOG_REQUESTS: 'false',
    ...(kind === 'postgres' ? { KEDJA_STORE: 'postgres', DATABASE_URL: POSTGRES_TEST_URL, KEDJA_PG_SCHEMA: schema! } : { KEDJA_STORE: 'sqlite' }),
    ...env,
  });
  const kedja = await createApp(config, { logger: false });
  const server = kedja.app.getHttpServer();
  return {
    kind,
    kedja,
    config,
    http: () => request(server),
    token: (actor, roles, sub = 'test-user') => mintLocalToken(dataDir, { actor, roles: Array.isArray(roles) ? roles : [roles], sub, maxLifetimeSeconds: config.tokenMaxLifetimeSeconds }),
    async close() {
      await kedja.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (schema) {
        const client = new Client({ connectionString: POSTGRES_TEST_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
        await client.end();
      }
    },
  };
}

/** Runs the same e2e suite on SQLite and on PostgreSQL (skipped visibly when the server is down, failing under CI). */
export function describeEachStore(name: string, body: (kind: StoreKind) => void): void {
  describe(`${name} [sqlite]`, () => body('sqlite'));
  describePostgres(`${name} [postgres]`, () => body('postgres'));
}
