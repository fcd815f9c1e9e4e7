import { fork } from 'node:child_process';
import * as http from 'node:http';

/**
 * Single-event posts from a separate process, as agencies' integrations are: with the clients in
 * the api's own process, their HTTP client work ran on the server's one JavaScript thread and was
 * counted against it. The process still shares the machine's cores with the server, so the
 * figure stays pessimistic. Uses node:http with keep-alive (one connection per client).
 */
export interface PostLoadOptions {
  readonly url: string;
  readonly token: string;
  readonly bodies: readonly string[];
  readonly concurrency: number;
  readonly contentType: string;
}

export interface PostLoadResult {
  readonly elapsedMs: number;
  readonly statuses: Record<string, number>;
  readonly latenciesMs: number[];
}

/** Runs the load in a child process and resolves with what it measured. */
export function postInChild(options: PostLoadOptions): Promise<PostLoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: PostLoadResult | undefined;
    child.on('message', (message: { ready?: true; result?: PostLoadResult; error?: string }) => {
      if (message.ready) child.send(options);
      if (message.result) result = message.result;
      if (message.error) reject(new Error(message.error));
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`post-load child exited with ${code}`))));
  });
}

async function runLoad(options: PostLoadOptions): Promise<PostLoadResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const statuses: Record<string, number> = {};
  const latenciesMs: number[] = [];
  const post = (body: string) => new Promise<number>((resolve, reject) => {
    const request = http.request({
      host: target.hostname, port: target.port, path: '/v1/events', method: 'POST', agent,
      headers: { authorization: `Bearer ${options.token}`, 'content-type': options.contentType, 'content-length': Buffer.byteLength(body) },
    }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (next < options.bodies.length) {
      const body = options.bodies[next++];
      const sent = process.hrtime.bigint();
      const status = await post(body);
      latenciesMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }));
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  agent.destroy();
  return { elapsedMs, statuses, latenciesMs };
}

if (require.main === module && process.send) {
  process.on('message', (options: PostLoadOptions) => {
    runLoad(options).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (error: Error) => process.send!({ error: error.message }, () => process.exit(1)),
    );
  });
  process.send({ ready: true });
}
