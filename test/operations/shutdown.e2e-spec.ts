import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { mintLocalToken } from '@kedja/auth';
import { caseOpened, dossier } from '../support/events';

// SIGTERM under a running ingest, as an orchestrator sends it: real child processes (the api and
// the projector on one SQLite file), a client holding keep-alive connections busy, and afterwards
// every acknowledged event must be in the log. Before the drain, the api went on answering for a
// minute (server.close waits for idle connections, and a busy keep-alive connection never is).

const REGISTER = path.resolve(__dirname, '../support/ts-register.js');
const ROOT = path.resolve(__dirname, '../..');
const SHUTDOWN_TIMEOUT_S = 4;

interface Child {
  readonly process: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; at: number }>;
  waitFor(message: RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
}

function start(main: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['-r', REGISTER, path.join(ROOT, main)], {
    cwd: ROOT, env: { ...process.env, ...env, KEDJA_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(JSON.parse(line) as Record<string, unknown>); // every line is one JSON object
      for (const wake of waiters.splice(0)) wake();
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() })));
  return {
    process: child, lines, exited,
    async waitFor(message, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.find((l) => typeof l.message === 'string' && message.test(l.message));
        if (found) return found;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no line ${message} from ${main}; stderr: ${stderr}`);
        await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 200); });
      }
    },
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function get(port: number, pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (response) => {
      let body = '';
      response.on('data', (c: Buffer) => (body += c.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** Posts batches over a few keep-alive connections until told to stop or the server goes away. */
function ingest(port: number, token: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const acknowledged = new Set<string>();
  let running = true;
  let batches = 0;
  const post = (events: Array<Record<string, unknown>>) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const body = JSON.stringify(events);
    const request = http.request({ host: '127.0.0.1', port, path: '/v1/events', method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } }, (response) => {
      let text = '';
      response.on('data', (c: Buffer) => (text += c.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
  const loop = async () => {
    while (running) {
      const events = Array.from({ length: 25 }, () => caseOpened(dossier()));
      let answer;
      try {
        answer = await post(events);
      } catch {
        // Refused or cut: the server is going away. Nothing of this batch was acknowledged.
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      if (answer.status !== 200) continue;
      batches++;
      const results = (JSON.parse(answer.body) as { results: Array<{ id: string; status: string }> }).results;
      for (const r of results) if (r.status === 'recorded') acknowledged.add(r.id);
    }
  };
  const loops = Array.from({ length: 4 }, loop);
  return {
    acknowledged,
    batches: () => batches,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

describe('SIGTERM under a running ingest', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-shutdown-'));
  const children: Child[] = [];
  afterAll(() => {
    for (const c of children) if (c.process.exitCode === null) c.process.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the projector and then the api stop within KEDJA_SHUTDOWN_TIMEOUT, exit 0, log start and end, and lose nothing acknowledged', async () => {
    const apiPort = await freePort();
    const projectorPort = await freePort();
    const env = { KEDJA_DATA_DIR: dataDir, KEDJA_STORE: 'sqlite', DATABASE_URL: '', HOST: '127.0.0.1', KEDJA_SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT_S), KEDJA_PROJECTIONS_IN_PROCESS: 'false' };
    const api = start('apps/api/src/main.ts', { ...env, PORT: String(apiPort) });
    children.push(api);
    await api.waitFor(/^listening/);
    const projector = start('apps/projector/src/main.ts', { ...env, KEDJA_PROJECTOR_PORT: String(projectorPort) });
    children.push(projector);
    await projector.waitFor(/^started/);

    const token = await mintLocalToken(dataDir, { actor: 'migrationsverket', roles: ['integration'], sub: 'shutdown-test' });
    const load = ingest(apiPort, token);
    while (load.batches() < 10) await new Promise((resolve) => setTimeout(resolve, 50));

    // The projector's own listener, under load.
    const health = await get(projectorPort, '/health');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body).projections.length).toBeGreaterThan(0);
    expect((await get(projectorPort, '/health/live')).status).toBe(200);
    const metrics = await get(projectorPort, '/metrics');
    expect(metrics.body).toContain('kedja_projection_lag_events');
    expect(metrics.body).toMatch(/^process_cpu_seconds_total /m);

    const projectorSignalled = Date.now();
    projector.process.kill('SIGTERM');
    const projectorExit = await projector.exited;
    expect(projectorExit.code).toBe(0);
    expect(projectorExit.at - projectorSignalled).toBeLessThan(SHUTDOWN_TIMEOUT_S * 1000);
    expect(projector.lines.some((l) => l.message === 'shutdown complete')).toBe(true);

    const before = load.batches();
    while (load.batches() < before + 10) await new Promise((resolve) => setTimeout(resolve, 50));
    const apiSignalled = Date.now();
    api.process.kill('SIGTERM');
    const apiExit = await api.exited;
    await load.stop();
    expect(apiExit.code).toBe(0);
    expect(apiExit.at - apiSignalled).toBeLessThan(SHUTDOWN_TIMEOUT_S * 1000);
    const started = api.lines.find((l) => l.message === 'shutdown started');
    const complete = api.lines.find((l) => l.message === 'shutdown complete');
    expect(started).toMatchObject({ level: 'info', signal: 'SIGTERM', service: 'api' });
    expect(complete).toBeDefined();
    for (const line of api.lines) expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // Every event the api acknowledged is in the log.
    expect(load.acknowledged.size).toBeGreaterThan(0);
    const db = new Database(path.join(dataDir, 'kedja.sqlite'), { readonly: true });
    const stored = new Set((db.prepare('SELECT event_id FROM events').all() as Array<{ event_id: string }>).map((r) => r.event_id));
    db.close();
    const lost = [...load.acknowledged].filter((id) => !stored.has(id));
    expect(lost).toEqual([]);
  }, 120_000);
});
