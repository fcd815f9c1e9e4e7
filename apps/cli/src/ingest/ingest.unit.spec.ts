import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { simulate } from '@kedja/simulator';
import { formatSummary, ingest } from './ingest';

interface Posted {
  id: string;
  subject: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * A stand-in for POST /v1/events that resolves persons like the service (dossier, then linked
 * personnummer), answers slowly and at random so lanes interleave, fails some requests transiently,
 * and records the order in which each person's events arrive.
 */
function fakeService() {
  const personOf = new Map<string, string>();
  const arrived = new Map<string, string[]>();
  const seen = new Set<string>();
  const inFlight = new Map<string, number>();
  let overlaps = 0;
  let requests = 0;
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    requests++;
    if (req.headers['content-type'] !== 'application/cloudevents-batch+json' || req.headers.authorization !== 'Bearer t0k') {
      res.writeHead(400).end();
      return;
    }
    // Every fifth request fails once: 503, 429 or a dropped connection.
    if (requests % 5 === 0) {
      if (requests % 15 === 0) return void req.socket.destroy();
      res.writeHead(requests % 10 === 0 ? 429 : 503, { 'retry-after': requests % 10 === 0 ? '0' : '' }).end();
      return;
    }
    const events = JSON.parse(body) as Posted[];
    const persons = new Set<string>();
    const results = events.map((e) => {
      let person = personOf.get(e.subject);
      if (e.type === 'MigrationCaseOpened') personOf.set(e.subject, (person = e.subject));
      if (!person) return { id: e.id, status: 'rejected', problem: { code: 'unknown-subject', title: 'Unknown subject', detail: 'No person in your scope has this identifier.' } };
      if (e.type === 'SfiCompleted') return { id: e.id, status: 'rejected', problem: { code: 'invalid-event', title: 'The event is invalid', detail: 'The event data does not match SfiCompleted.', errors: [{ path: 'data.level', message: 'must be one of A, B, C, D' }] } };
      if (e.type === 'PopulationRegistered') personOf.set(`pnr:${String(e.data.personalIdentityNumber)}`, person);
      persons.add(person);
      if (seen.has(e.id)) return { id: e.id, status: 'duplicate' };
      seen.add(e.id);
      arrived.set(person, [...(arrived.get(person) ?? []), e.id]);
      return { id: e.id, status: 'recorded' };
    });
    for (const p of persons) {
      if (inFlight.get(p)) overlaps++;
      inFlight.set(p, (inFlight.get(p) ?? 0) + 1);
    }
    await new Promise((r) => setTimeout(r, Math.random() * 5));
    for (const p of persons) inFlight.set(p, inFlight.get(p)! - 1);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
  });
  return { server, arrived, overlaps: () => overlaps, requests: () => requests };
}

describe('ingest', () => {
  let service: ReturnType<typeof fakeService>;
  let url: string;
  beforeAll(async () => {
    service = fakeService();
    await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => {
    service.server.close(() => resolve());
    service.server.closeAllConnections();
  }));

  it('posts every event once, each person\'s events in file order, never two batches of one person in flight, retrying transient failures', async () => {
    const feed = [...simulate({ persons: 600, seed: 8 })];
    const text = `${feed.map((e) => JSON.stringify(e)).join('\n')}\nnot json\n`;
    const summary = await ingest({
      input: Readable.from([text]),
      url,
      token: 't0k',
      batchSize: 40,
      concurrency: 4,
      backoffMs: 1,
      sleep: async () => undefined,
    });
    expect(summary.failed).toBe(0);
    expect(summary.invalidLines).toBe(1);
    expect(summary.retries).toBeGreaterThan(0);
    // A dropped connection may have been recorded before it broke: its re-post answers duplicate.
    expect(summary.recorded).toBe(feed.length);
    expect(summary.recorded + summary.duplicates + summary.rejected).toBeGreaterThanOrEqual(feed.length);
    expect(summary.rejected).toBe(0);
    expect(service.overlaps()).toBe(0);

    const fileOrder = new Map<string, number>(feed.map((e, i) => [e.id, i]));
    for (const ids of service.arrived.values()) {
      const positions = ids.map((id) => fileOrder.get(id)!);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
    expect(formatSummary(summary)).toMatch(/recorded\s+\d+/);
  }, 30_000);

  it('counts rejections by problem code and the API\'s detail, with the fields it names, not the title', async () => {
    const stray = { specversion: '1.0', id: 'x-1', source: 'urn:se:test', type: 'SfiEnrolled', time: '2020-01-01T00:00:00Z', subject: 'pnr:199001011234', data: {} };
    const opened = { specversion: '1.0', id: 'x-2', source: 'urn:se:test', type: 'MigrationCaseOpened', time: '2020-01-01T00:00:00Z', subject: 'dossier:12-345678', data: {} };
    const bad = { ...opened, id: 'x-3', type: 'SfiCompleted' };
    const feed = [stray, opened, bad].map((e) => JSON.stringify(e)).join('\n');
    const summary = await ingest({ input: Readable.from([`${feed}\n`]), url, token: 't0k', batchSize: 10, concurrency: 1, sleep: async () => undefined });
    expect(summary.rejected).toBe(2);
    expect([...summary.problems].sort()).toEqual([
      ['invalid-event: The event data does not match SfiCompleted. [data.level must be one of A, B, C, D]', 1],
      ['unknown-subject: No person in your scope has this identifier.', 1],
    ]);
  });

  it('gives up at once on a service that is not there, after the attempts asked for', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const started = Date.now();
    const feed = Array.from({ length: 50 }, (_, i) => JSON.stringify({ subject: `dossier:12-${String(i).padStart(6, '0')}` })).join('\n');
    await expect(ingest({ input: Readable.from([`${feed}\n`]), url: `http://127.0.0.1:${port}`, batchSize: 5, concurrency: 4, attempts: 2, backoffMs: 100 }))
      .rejects.toThrow(new RegExp(`the service at http://127\\.0\\.0\\.1:${port} does not answer \\(network: .*ECONNREFUSED.*\\) after 2 attempt`));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up on a service that accepts connections but never answers, after its response timeout', async () => {
    const hung = createServer(() => undefined);
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const port = (hung.address() as AddressInfo).port;
    const started = Date.now();
    await expect(ingest({ input: Readable.from(['{"subject":"dossier:12-345678"}\n']), url: `http://127.0.0.1:${port}`, batchSize: 1, concurrency: 1, attempts: 2, backoffMs: 10, responseTimeoutMs: 300 }))
      .rejects.toThrow(/does not answer .* after 2 attempt/);
    expect(Date.now() - started).toBeLessThan(3000);
    await new Promise<void>((resolve) => {
      hung.close(() => resolve());
      hung.closeAllConnections();
    });
  });

  it('stops at once on a refused token instead of retrying', async () => {
    const refuse = createServer((_req, res) => res.writeHead(401, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ code: 'unauthorized', title: 'Unauthorized' })));
    await new Promise<void>((resolve) => refuse.listen(0, '127.0.0.1', resolve));
    const port = (refuse.address() as AddressInfo).port;
    await expect(ingest({ input: Readable.from(['{"subject":"dossier:12-345678"}\n']), url: `http://127.0.0.1:${port}`, batchSize: 1, concurrency: 1 }))
      .rejects.toThrow(/401 unauthorized: Unauthorized: check --token \/ KEDJA_TOKEN; a token from `kedja token` is signed with the key in KEDJA_DATA_DIR/);
    await new Promise<void>((resolve) => {
      refuse.close(() => resolve());
      refuse.closeAllConnections();
    });
  });
});
