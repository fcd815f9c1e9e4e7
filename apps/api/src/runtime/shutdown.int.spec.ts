import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { installGracefulShutdown } from './shutdown';

// The drain against a real HTTP server and real sockets; only process.exit is replaced.
async function serve(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function drain(server: http.Server, timeoutMs: number, close: () => Promise<void> = async () => undefined) {
  const lines: string[] = [];
  let resolveExit: (value: { code: number; at: number }) => void = () => undefined;
  const exited = new Promise<{ code: number; at: number }>((resolve) => (resolveExit = resolve));
  const { shutdown } = installGracefulShutdown(server, {
    timeoutMs, signals: [], close,
    log: { info: (m) => lines.push(m), error: (m) => lines.push(m) },
    exit: (code) => resolveExit({ code, at: Date.now() }),
  });
  return { lines, exited, shutdown };
}

describe('graceful shutdown of an HTTP server', () => {
  it('closes an idle keep-alive connection at once, and exits 0 after closing what the server fed', async () => {
    const { server, port } = await serve((_req, res) => res.end('ok'));
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve) => http.get({ port, host: '127.0.0.1', agent }, (res) => res.resume().on('end', resolve)));
    let closed = false;
    const { lines, exited, shutdown } = drain(server, 5000, async () => void (closed = true));
    const started = Date.now();
    void shutdown('SIGTERM');
    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - started).toBeLessThan(1000);
    expect(closed).toBe(true);
    expect(lines).toEqual(['shutdown started', 'shutdown complete']);
    agent.destroy();
  });

  it('answers a request in flight with Connection: close before exiting', async () => {
    let release: () => void = () => undefined;
    const { server, port } = await serve((_req, res) => void new Promise<void>((resolve) => (release = resolve)).then(() => res.end('done')));
    const { exited, shutdown } = drain(server, 5000);
    const agent = new http.Agent({ keepAlive: true });
    const answer = new Promise<{ body: string; connection?: string }>((resolve) => http.get({ port, host: '127.0.0.1', agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ body, connection: res.headers.connection }));
    }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    void shutdown('SIGTERM');
    setTimeout(() => release(), 100);
    expect(await answer).toEqual({ body: 'done', connection: 'close' });
    expect((await exited).code).toBe(0);
    agent.destroy();
  });

  it('cuts a request that never ends at 80% of the timeout, and still exits 0 within it', async () => {
    const { server, port } = await serve(() => undefined);
    http.get({ port, host: '127.0.0.1' }).on('error', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { lines, exited, shutdown } = drain(server, 1000);
    const started = Date.now();
    void shutdown('SIGTERM');
    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - started).toBeGreaterThanOrEqual(750);
    expect(at - started).toBeLessThan(1000);
    expect(lines).toContain('requests still in flight at the deadline; closing their connections');
  });

  it('exits 1 at the timeout when closing hangs', async () => {
    const { server } = await serve((_req, res) => res.end());
    const { lines, exited, shutdown } = drain(server, 300, () => new Promise<void>(() => undefined));
    const started = Date.now();
    void shutdown('SIGTERM');
    const { code, at } = await exited;
    expect(code).toBe(1);
    expect(at - started).toBeLessThan(600);
    expect(lines).toContain('shutdown timed out; exiting');
  });
});
