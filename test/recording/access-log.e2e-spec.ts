import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { mintLocalToken } from '@kedja/auth';
import { loadConfig } from '../../apps/api/src/config/config';
import { createApp } from '../../apps/api/src/bootstrap';
import { identifierSpellings, leaks } from '../../libs/chain/src/testing/identifier-spellings';

// A file of its own: Nest's Logger is process-wide, and an app made with `logger: false` (as the
// other e2e files' apps are) silences every app made after it in the same module registry.
describe('identifiers in the access log and /metrics, in every encoding a client can send', () => {
  let kedja: Awaited<ReturnType<typeof createApp>>;
  let dataDir: string;
  const written: string[] = [];
  const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-logs-'));
    kedja = await createApp(loadConfig({ KEDJA_DATA_DIR: dataDir, KEDJA_STORE: 'sqlite', KEDJA_LOG_REQUESTS: 'true' }));
    // Whatever the service writes, on either stream, is kept for the assertions (and not shown).
    const capture = ((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
  }, 60_000);
  afterAll(async () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    await kedja?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A URL-safe form of the spelling: as it is when it is already, else percent-encoded. */
  const urlForm = (text: string) => (/^[A-Za-z0-9\-._~%+]*$/.test(text) ? text : encodeURIComponent(text));

  it('masks every spelling of the corpus in paths and query strings, and /metrics labels carry none', async () => {
    const server = kedja.app.getHttpServer();
    const token = await mintLocalToken(dataDir, { actor: 'municipality:2281', roles: ['caseworker'], sub: 'logs' });
    const corpus = identifierSpellings();
    for (const spelling of corpus) {
      const t = urlForm(spelling.text);
      written.length = 0;
      for (const url of [`/v1/persons/pnr:${t}/timeline`, `/v1/persons/${t}/timeline?x=1`, `/v1/audit?subject=pnr%3A${t}&q=${t}`]) {
        await request(server).get(url).set('Authorization', `Bearer ${token}`);
      }
      await new Promise((resolve) => setImmediate(resolve));
      const log = written.join('');
      expect(log).toMatch(/GET /);
      if (leaks(log, spelling)) throw new Error(`the access log shows ${spelling.how} (${spelling.text}): ${log}`);
    }
    const metrics = (await request(server).get('/metrics')).text;
    const labels = [...metrics.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]).join('\n');
    expect(labels).toMatch(/route=/);
    for (const spelling of corpus) if (leaks(labels, spelling)) throw new Error(`/metrics labels show ${spelling.how}`);
  }, 120_000);
});
