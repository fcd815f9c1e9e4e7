import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { mintLocalToken } from '@kedja/auth';
import { openEventStore, quoteIdentifier } from '@kedja/event-store';
import { FileKeyProvider, KEY_FILE_NAME, PersonalData, migrateIdentifiers } from '@kedja/personal-data';
import type { Writable } from 'node:stream';
import { rotateMasterKey } from '../../apps/cli/src/keys/rotate';
import { loadConfig, type KedjaConfig } from '../../apps/api/src/config/config';
import { createApp } from '../../apps/api/src/bootstrap';
import { POSTGRES_TEST_URL, describePostgres, randomSchemaName } from '../../libs/event-store/src/contract/postgres-test-support';
import { buildDataSet, loadDataSet } from '../bench/support/reading-data';
import type { TestApp } from '../support/test-app';
import { databaseBytes, dossierForms, found, pnrForms } from './identifiers-at-rest';
import request from 'supertest';

/**
 * A database as the previous version wrote it (identifiers in clear in the index and in
 * registrations), converted: interrupted once, resumed at start, and afterwards no identifier
 * in any form in the files or a dump, every person still found by every identifier.
 */
function suite(kind: 'sqlite' | 'postgres') {
  it('converts a database of the previous version, resumably, leaving no identifier in clear', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-migrate-'));
    const schema = kind === 'postgres' ? randomSchemaName('kedja_migrate') : undefined;
    const config: KedjaConfig = loadConfig({
      KEDJA_DATA_DIR: dataDir, KEDJA_LOG_REQUESTS: 'false',
      ...(kind === 'postgres' ? { KEDJA_STORE: 'postgres', DATABASE_URL: POSTGRES_TEST_URL, KEDJA_PG_SCHEMA: schema! } : { KEDJA_STORE: 'sqlite' }),
    });
    try {
      const data = buildDataSet({ persons: 450, seed: 11, batchEvents: 500 });
      const old = await openEventStore(config.store.kind === 'sqlite' ? { kind: 'sqlite', file: config.store.file } : { kind: 'postgres', connectionString: POSTGRES_TEST_URL, schema });
      await loadDataSet(old.store, data.batches);
      const claims = data.batches.flat().flatMap((append) => append.options.identities ?? []);
      const pnrs = claims.filter((c) => c.kind === 'pnr').map((c) => c.value);
      const dossiers = claims.filter((c) => c.kind === 'dossier').map((c) => c.value);
      expect(pnrs.length).toBeGreaterThan(100);
      const forms = [...pnrs.slice(0, 40).flatMap(pnrForms), ...dossiers.slice(0, 40).flatMap(dossierForms)];
      const fake = { config } as TestApp;
      // The old form really has them in clear (so the search below can fail).
      expect(found(databaseBytes(fake), pnrs.slice(0, 5)).length).toBe(5);

      // Interrupted after the first batch of persons...
      const personalData = await PersonalData.open(old.db, FileKeyProvider.open(dataDir));
      await expect(migrateIdentifiers(personalData, (done) => {
        if (done >= 200) throw new Error('power cut');
      })).rejects.toThrow('power cut');
      await old.store.close();

      // ...and finished at start.
      const kedja = await createApp(config, { logger: false });
      try {
        expect(found(databaseBytes(fake), forms)).toEqual([]);
        const token = await mintLocalToken(dataDir, { actor: 'skatteverket', roles: ['caseworker'], sub: 't' });
        for (const pnr of pnrs.slice(0, 10)) {
          const response = await request(kedja.app.getHttpServer()).get(`/v1/persons/pnr:${pnr}/timeline`).set('Authorization', `Bearer ${token}`);
          expect(response.status).toBe(200);
          expect(response.body.events.find((e: { type: string }) => e.type === 'PopulationRegistered').data.personalIdentityNumber).toBe(pnr);
        }
        const { store, personalData: pd } = kedja.runtime;
        for (const d of dossiers.slice(0, 10)) expect(await store.resolveIdentity('dossier', pd.index('dossier', d))).not.toBeNull();
        // Nothing left to convert.
        expect(await migrateIdentifiers(pd)).toMatchObject({ persons: 0 });
      } finally {
        await kedja.close();
      }

      // Master key rotation with the service stopped: every data key re-wrapped, the old master key gone.
      const keyFile = JSON.parse(fs.readFileSync(path.join(dataDir, KEY_FILE_NAME), 'utf8')) as { current: string };
      const output = { text: '', write(chunk: string) { this.text += chunk; return true; } };
      const rotated = await rotateMasterKey(config, output as unknown as Writable);
      expect(rotated).toEqual({ rewrapped: 450, retired: [keyFile.current] });
      const after = JSON.parse(fs.readFileSync(path.join(dataDir, KEY_FILE_NAME), 'utf8')) as { current: string; masterKeys: Record<string, string> };
      expect(Object.keys(after.masterKeys)).toEqual([after.current]);
      const restarted = await createApp(config, { logger: false });
      try {
        const token = await mintLocalToken(dataDir, { actor: 'skatteverket', roles: ['caseworker'], sub: 't' });
        const response = await request(restarted.app.getHttpServer()).get(`/v1/persons/pnr:${pnrs[0]}/timeline`).set('Authorization', `Bearer ${token}`);
        expect(response.body.events.find((e: { type: string }) => e.type === 'PopulationRegistered').data.personalIdentityNumber).toBe(pnrs[0]);
      } finally {
        await restarted.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (schema) {
        const client = new Client({ connectionString: POSTGRES_TEST_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
        await client.end();
      }
    }
  }, 120_000);
}

describe('kedja migrate-identifiers [sqlite]', () => suite('sqlite'));
describePostgres('kedja migrate-identifiers [postgres]', () => suite('postgres'));
