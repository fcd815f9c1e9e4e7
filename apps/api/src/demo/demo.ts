import { FileKeyProvider, PersonalData } from '@kedja/personal-data';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { mintLocalToken } from '@kedja/auth';
import { openEventStore } from '@kedja/event-store';
import { simulate } from '@kedja/simulator';
import { loadConfig } from '../config/config';
import { createApp, type KedjaApp } from '../bootstrap';
import { ingestDirect } from '../recording/direct-ingest';

const MARKER = '.kedja-demo';

export interface DemoOptions {
  readonly dataDir: string;
  readonly persons: number;
  readonly seed: number;
  readonly port: number;
  readonly log: (line: string) => void;
}

export interface Demo {
  readonly kedja: KedjaApp;
  readonly url: string;
  readonly tokens: Record<string, string>;
}

/**
 * A populated system in one command: a fresh data directory, simulated people loaded through the
 * same validation and rules as the api, the api started on it, and tokens for the main actors.
 */
export async function runDemo(options: DemoOptions): Promise<Demo> {
  const dataDir = path.resolve(options.dataDir);
  if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
    // Only ever wipe a directory an earlier demo made.
    if (!fs.existsSync(path.join(dataDir, MARKER))) throw new Error(`${dataDir} exists and is not a demo directory; choose another --data-dir`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dataDir, MARKER), 'made by kedja demo; removed by the next demo run\n', { mode: 0o600 });

  const settledIn = new Map<string, number>();
  const lines = (function* () {
    for (const event of simulate({ persons: options.persons, seed: options.seed })) {
      if (event.type === 'SettledInMunicipality') {
        const code = (event.data as { municipalityCode: string }).municipalityCode;
        settledIn.set(code, (settledIn.get(code) ?? 0) + 1);
      }
      yield `${JSON.stringify(event)}\n`;
    }
  })();
  options.log(`loading ${options.persons} simulated people into ${dataDir} ...`);
  const config = loadConfig({ ...process.env, KEDJA_DATA_DIR: dataDir, KEDJA_STORE: 'sqlite', PORT: String(options.port), DATABASE_URL: '' });
  const opened = await openEventStore({ kind: 'sqlite', file: path.join(dataDir, 'kedja.sqlite'), synchronous: 'NORMAL' });
  const personalData = await PersonalData.open(opened.db, FileKeyProvider.open(dataDir));
  const summary = await ingestDirect(opened.store, personalData, Readable.from(lines), { batchSize: 1000, sub: 'kedja-demo' });
  await opened.store.close();
  options.log(`recorded ${summary.recorded} events (${summary.rejected} rejected)`);

  const municipality = [...settledIn].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '0180';
  const county = municipality.slice(0, 2);
  const mint = (actor: string, role: 'caseworker' | 'analyst' | 'admin', sub: string) => mintLocalToken(dataDir, { actor, roles: [role], sub, maxLifetimeSeconds: config.tokenMaxLifetimeSeconds });
  const tokens: Record<string, string> = {
    [`municipality:${municipality} caseworker`]: await mint(`municipality:${municipality}`, 'caseworker', 'demo-kommun'),
    'arbetsformedlingen caseworker': await mint('arbetsformedlingen', 'caseworker', 'demo-af'),
    'migrationsverket caseworker': await mint('migrationsverket', 'caseworker', 'demo-mv'),
    [`county:${county} caseworker`]: await mint(`county:${county}`, 'caseworker', 'demo-lansstyrelse'),
    'analyst': await mint('analyst', 'analyst', 'demo-analyst'),
    'platform admin': await mint('platform', 'admin', 'demo-admin'),
  };
  // Minted before the api starts so that its sign-in page can offer them (demo only).
  const kedja = await createApp(config, { logger: false, demoTokens: Object.entries(tokens).map(([label, token]) => ({ label, token })) });
  await kedja.app.listen(options.port, config.host);
  await kedja.runtime.projections?.waitUntilCaughtUp(120_000);
  return { kedja, url: `http://127.0.0.1:${options.port}`, tokens };
}

export function printDemo(demo: Demo, write: (text: string) => void): void {
  write(`\nKedja demo is running at ${demo.url} (open it in a browser and sign in with a token below; docs: ${demo.url}/docs). Ctrl-C stops it.\n\n`);
  for (const [who, token] of Object.entries(demo.tokens)) write(`${who}:\n  ${token}\n`);
  const municipalityToken = Object.entries(demo.tokens)[0];
  // The whole token: a shortened one cannot be pasted, and this is a demo's own throwaway key.
  write(`\nTry:\n  curl -s ${demo.url}/v1/views/settlement-queue -H "Authorization: Bearer ${municipalityToken[1]}"\n`);
}
