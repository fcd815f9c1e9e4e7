import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { Agent, fetch as undiciFetch } from 'undici';

export interface IngestOptions {
  readonly input: Readable;
  /** Base URL of the service, without `/v1`. */
  readonly url: string;
  readonly token?: string;
  readonly batchSize: number;
  readonly concurrency: number;
  /** Attempts per batch for transient failures (network errors, 429, 5xx). */
  readonly attempts?: number;
  /** First backoff delay in ms; doubled per attempt, with jitter. */
  readonly backoffMs?: number;
  readonly fetch?: Post;
  /** How long to wait for a TCP connection (default 5 s): a dead host fails in seconds, not minutes. */
  readonly connectTimeoutMs?: number;
  /** How long to wait for the answer to one batch once connected (default 120 s). */
  readonly responseTimeoutMs?: number;
  /** For the hint on a refused token: where `kedja token` keeps its signing key. */
  readonly dataDir?: string;
  readonly onProgress?: (progress: IngestSummary) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What ingest needs of fetch (the global one, or undici's with timeouts). */
export type Post = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string }) => Promise<PostResponse>;
interface PostResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  readonly body?: { cancel(): Promise<void> } | null;
}

export interface IngestSummary {
  read: number;
  bytes: number;
  recorded: number;
  duplicates: number;
  rejected: number;
  /** Events in batches that could not be posted even after retries, or that the service refused whole. */
  failed: number;
  invalidLines: number;
  /** Rejections by `code: title`. */
  problems: Map<string, number>;
  /** Why whole batches failed. */
  failures: Map<string, number>;
  retries: number;
}

interface ProblemDetail {
  readonly code?: string;
  readonly title?: string;
  readonly type?: string;
  readonly detail?: string;
  readonly errors?: ReadonlyArray<{ readonly path?: string; readonly message?: string }>;
}

interface BatchResult {
  readonly id?: string;
  readonly status?: string;
  readonly problem?: ProblemDetail;
}

/**
 * A problem as the operator needs it: the code and the API's detail (what exactly is wrong), with
 * the fields it names, not the generic title ("The event is invalid").
 */
export function describeProblem(problem: ProblemDetail | undefined): string {
  if (!problem) return 'unknown';
  const fields = (problem.errors ?? []).map((e) => [e.path || '(body)', e.message].filter(Boolean).join(' ')).join('; ');
  return `${problem.code ?? problem.type ?? 'unknown'}: ${problem.detail ?? problem.title ?? ''}${fields ? ` [${fields}]` : ''}`.trim();
}

/** A problem that will not go away by trying again (bad token, bad request, a dead service): stop, don't hammer. */
export class FatalIngestError extends Error {}

/** Node's fetch on undici with a connect timeout (its own default waits 10 s per connection, headers 5 min). */
function fetchWithTimeouts(connectTimeoutMs: number, responseTimeoutMs: number): Post {
  const dispatcher = new Agent({ connect: { timeout: connectTimeoutMs }, headersTimeout: responseTimeoutMs, bodyTimeout: responseTimeoutMs });
  return (url, init) => undiciFetch(url, { ...init, dispatcher });
}

const TRANSIENT = (status: number) => status === 429 || status >= 500;

/**
 * Posts an NDJSON feed in batches over `concurrency` lanes.
 *
 * Events about the same person must reach the service in file order. A person's subject changes
 * from `dossier:` to `pnr:` at PopulationRegistered, so the lane is chosen by a person key: the
 * dossier subject, to which a personnummer is aliased when its PopulationRegistered is read
 * (which, in a well-formed feed, precedes every event on that personnummer). Each lane posts its
 * batches one after another, so one person's events are never in flight out of order. A subject
 * seen before any link (a person already known to the service) keeps its own lane.
 */
export async function ingest(options: IngestOptions): Promise<IngestSummary> {
  const post = options.fetch ?? fetchWithTimeouts(options.connectTimeoutMs ?? 5000, options.responseTimeoutMs ?? 120_000);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const attempts = options.attempts ?? 8;
  const backoffMs = options.backoffMs ?? 500;
  const endpoint = `${options.url.replace(/\/+$/, '')}/v1/events`;
  const summary: IngestSummary = {
    read: 0, bytes: 0, recorded: 0, duplicates: 0, rejected: 0, failed: 0, invalidLines: 0,
    problems: new Map(), failures: new Map(), retries: 0,
  };
  const count = (map: Map<string, number>, key: string, n = 1) => map.set(key, (map.get(key) ?? 0) + n);
  const aliases = new Map<string, string>();
  let fatal: Error | undefined;

  async function send(batch: unknown[]): Promise<void> {
    const body = JSON.stringify(batch);
    for (let attempt = 1; ; attempt++) {
      let response: PostResponse | undefined;
      let reason: string;
      try {
        response = await post(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/cloudevents-batch+json',
            accept: 'application/json',
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body,
        });
        reason = `HTTP ${response.status}`;
      } catch (error) {
        reason = `network: ${networkReason(error)}`;
      }
      if (response?.ok) {
        const payload = (await response.json()) as { results?: BatchResult[] };
        const results = payload.results ?? [];
        for (const r of results) {
          if (r.status === 'recorded') summary.recorded++;
          else if (r.status === 'duplicate') summary.duplicates++;
          else {
            summary.rejected++;
            count(summary.problems, describeProblem(r.problem));
          }
        }
        if (results.length !== batch.length) {
          count(summary.failures, `the service answered ${results.length} results for ${batch.length} events`);
          summary.failed += Math.max(0, batch.length - results.length);
        }
        return;
      }
      if (response && response.status === 413 && batch.length > 1) {
        // Over the body limit: halves keep file order within the lane.
        await response.body?.cancel();
        const half = Math.ceil(batch.length / 2);
        await send(batch.slice(0, half));
        await send(batch.slice(half));
        return;
      }
      if (response && (response.status === 401 || response.status === 403)) {
        const problem = await problemOf(response);
        const hint = response.status === 401
          ? `check --token / KEDJA_TOKEN; a token from \`kedja token\` is signed with the key in KEDJA_DATA_DIR${options.dataDir ? ` (here ${options.dataDir})` : ''}, which must be the server's`
          : 'check --token / KEDJA_TOKEN (importing needs actor platform with role admin)';
        throw new FatalIngestError(`${response.status} ${problem}: ${hint}`);
      }
      if (response && !TRANSIENT(response.status)) {
        const problem = await problemOf(response);
        count(summary.failures, `${response.status} ${problem}`);
        summary.failed += batch.length;
        return;
      }
      if (response) await response.body?.cancel();
      if (attempt >= attempts) {
        // Nothing answers: every other batch would wait out the same attempts. Stop now.
        if (!response) throw new FatalIngestError(`the service at ${options.url} does not answer (${reason}) after ${attempts} attempt(s)`);
        count(summary.failures, `${reason} after ${attempts} attempts`);
        summary.failed += batch.length;
        return;
      }
      summary.retries++;
      // Re-posting is safe: ids are idempotent, an event already recorded answers `duplicate`.
      const retryAfter = Number(response?.headers.get('retry-after'));
      const delay = Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter * 1000
        : backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random());
      await sleep(Math.min(delay, 30_000));
    }
  }

  interface Lane {
    batch: unknown[];
    tail: Promise<void>;
    queued: number;
  }
  const lanes: Lane[] = Array.from({ length: options.concurrency }, () => ({ batch: [], tail: Promise.resolve(), queued: 0 }));

  function dispatch(lane: Lane): void {
    const batch = lane.batch;
    lane.batch = [];
    lane.queued++;
    lane.tail = lane.tail.then(async () => {
      try {
        if (!fatal) await send(batch);
      } catch (error) {
        fatal ??= error as Error;
      } finally {
        lane.queued--;
        options.onProgress?.(summary);
      }
    });
  }

  const lines = createInterface({ input: options.input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (fatal) break;
    summary.bytes += Buffer.byteLength(line) + 1;
    if (line.trim() === '') continue;
    let event: { subject?: unknown; type?: unknown; data?: { personalIdentityNumber?: unknown } };
    try {
      event = JSON.parse(line) as typeof event;
      if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new Error('not an object');
    } catch {
      summary.invalidLines++;
      continue;
    }
    summary.read++;
    const subject = typeof event.subject === 'string' ? event.subject : '';
    const key = aliases.get(subject) ?? subject;
    if (event.type === 'PopulationRegistered' && typeof event.data?.personalIdentityNumber === 'string') {
      const pnrSubject = `pnr:${event.data.personalIdentityNumber}`;
      if (!aliases.has(pnrSubject)) aliases.set(pnrSubject, key);
    }
    const lane = lanes[laneOf(key, lanes.length)];
    lane.batch.push(event);
    if (lane.batch.length >= options.batchSize) {
      dispatch(lane);
      // Bounded read-ahead: at most two batches wait per lane, so memory stays flat for any file.
      if (lane.queued > 2) await lane.tail;
    }
  }
  for (const lane of lanes) if (lane.batch.length > 0 && !fatal) dispatch(lane);
  await Promise.all(lanes.map((l) => l.tail));
  lines.close();
  if (fatal) throw fatal;
  return summary;
}

/** fetch says only "fetch failed"; the cause (or its code, for an AggregateError) says why. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = typeof cause?.message === 'string' && cause.message !== '' ? cause.message : undefined;
  if (message && code && !message.includes(code)) return `${code}: ${message}`;
  return message ?? code ?? (error instanceof Error ? error.message : String(error));
}

async function problemOf(response: PostResponse): Promise<string> {
  try {
    return describeProblem((await response.json()) as ProblemDetail);
  } catch {
    return response.statusText;
  }
}

/** FNV-1a: a stable spread of person keys over lanes. */
export function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
}

export function formatSummary(s: IngestSummary, elapsedMs?: number): string {
  const handled = s.recorded + s.duplicates + s.rejected;
  const rows = [
    `events read    ${s.read}`,
    `recorded       ${s.recorded}`,
    `duplicates     ${s.duplicates}`,
    `rejected       ${s.rejected}`,
    ...[...s.problems].sort((a, b) => b[1] - a[1]).map(([problem, n]) => `  ${String(n).padStart(8)}  ${problem}`),
    `failed         ${s.failed}`,
    ...[...s.failures].sort((a, b) => b[1] - a[1]).map(([why, n]) => `  ${String(n).padStart(8)}  ${why}`),
    `invalid lines  ${s.invalidLines}`,
    `retries        ${s.retries}`,
    ...(elapsedMs === undefined ? [] : [`elapsed        ${(elapsedMs / 1000).toFixed(2)} s (${Math.round(handled / Math.max(0.001, elapsedMs / 1000))} events/s)`]),
  ];
  return `${rows.join('\n')}\n`;
}

export async function writeAll(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}
