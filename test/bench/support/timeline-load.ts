import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';

/**
 * Closed-loop load on `GET /v1/persons/person:<id>/timeline`: each client is one caseworker that
 * sends its next request as soon as the previous answer is read. It runs in a child process by
 * default, so the clients' own parsing and timing do not take the server's event loop.
 */
export interface LoadPlan {
  readonly url: string;
  readonly concurrency: number;
  /** One per caseworker; clients are spread over them round-robin. */
  readonly readers: ReadonlyArray<{ readonly actor: string; readonly token: string; readonly personIds: readonly string[] }>;
  /**
   * Paced load: the clients together send this many requests per second, each client on its own
   * fixed schedule, instead of each sending its next request as soon as an answer arrives (a
   * closed loop, which measures the most the server can do and the latency of its queue at that
   * point). A request that cannot go out on time because its client still waits for the previous
   * answer goes as soon as it can, and its latency counts from when it was due (no coordinated
   * omission: a stall shows in the percentiles in full).
   */
  readonly ratePerSecond?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function get(agent: http.Agent, target: { hostname: string; port: string }, path: string, headers: http.OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ agent, hostname: target.hostname, port: target.port, path, headers }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** Runs the plan for `durationMs`; latencies are in milliseconds. */
export async function drive(plan: LoadPlan, durationMs: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const deadline = started + durationMs;
  // Parsed once: the clients share the server's two cores, so their own per-request work is kept small.
  const { hostname, port } = new URL(plan.url);
  const client = async (index: number) => {
    const reader = plan.readers[index % plan.readers.length];
    const headers = { authorization: `Bearer ${reader.token}`, 'x-purpose': 'bench' };
    // Each paced client sends every `interval` ms, the clients' schedules spread evenly.
    const interval = plan.ratePerSecond ? (plan.concurrency / plan.ratePerSecond) * 1000 : 0;
    let due = started + (interval * index) / plan.concurrency;
    while (performance.now() < deadline) {
      if (interval > 0) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (due >= deadline) break;
      }
      const personId = reader.personIds[Math.floor(Math.random() * reader.personIds.length)];
      const sent = interval > 0 ? due : performance.now();
      due += interval;
      let status: number;
      try {
        status = await get(agent, { hostname, port }, `/v1/persons/person:${personId}/timeline`, headers);
      } catch {
        status = 0;
      }
      latencies.push(performance.now() - sent);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, (_, index) => client(index)));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    seconds,
    statuses,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : NaN,
  };
}

type Message = { kind: 'plan'; plan: LoadPlan } | { kind: 'drive'; durationMs: number; ratePerSecond?: number };

/** The load generator in its own process; `drive` resolves with the child's result. */
export class LoadProcess {
  private readonly child: ChildProcess;
  private waiting?: { resolve: (value: LoadResult) => void; reject: (error: Error) => void };

  constructor(plan: LoadPlan) {
    this.child = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (result) => {
      this.waiting?.resolve(result as LoadResult);
      this.waiting = undefined;
    });
    this.child.on('exit', (code) => {
      this.waiting?.reject(new Error(`load process exited with ${code}`));
      this.waiting = undefined;
    });
    this.child.send({ kind: 'plan', plan } satisfies Message);
  }

  /** As `drive`, paced at `ratePerSecond` when given (see LoadPlan), else the plan's own. */
  drive(durationMs: number, ratePerSecond?: number): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.child.send({ kind: 'drive', durationMs, ratePerSecond } satisfies Message);
    });
  }

  close(): void {
    this.child.disconnect();
  }
}

if (require.main === module && process.send) {
  let plan: LoadPlan | undefined;
  process.on('message', (message: Message) => {
    if (message.kind === 'plan') plan = message.plan;
    else if (plan) void drive(message.ratePerSecond ? { ...plan, ratePerSecond: message.ratePerSecond } : plan, message.durationMs).then((result) => process.send!(result));
  });
  process.on('disconnect', () => process.exit(0));
}
