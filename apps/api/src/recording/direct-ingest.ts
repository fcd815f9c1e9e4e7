import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { EventStore } from '@kedja/event-store';
import { parseStructuredEvent } from './envelope';
import { Recorder } from './recorder';

export interface DirectIngestSummary {
  read: number;
  /** Bytes of input read so far, for a progress bar. */
  bytes: number;
  recorded: number;
  duplicates: number;
  rejected: number;
  invalidLines: number;
  /** Rejections by problem code. */
  problems: Map<string, number>;
}

/**
 * Loads an NDJSON feed straight into a local store, for loads too large to send over HTTP. It is
 * an import by the platform on behalf of the agencies, so each event is parsed, validated, ruled
 * and permission-checked exactly as `POST /v1/events` would for an admin of actor platform.
 * Batches are applied one after another, so events about one person keep their file order.
 */
export async function ingestDirect(
  store: EventStore,
  input: Readable,
  options: { batchSize?: number; sub?: string; onProgress?: (summary: DirectIngestSummary) => void } = {},
): Promise<DirectIngestSummary> {
  const recorder = new Recorder(store);
  const batchSize = options.batchSize ?? 500;
  const summary: DirectIngestSummary = { read: 0, bytes: 0, recorded: 0, duplicates: 0, rejected: 0, invalidLines: 0, problems: new Map() };
  const poster = { sub: options.sub ?? 'kedja-cli', actor: 'platform', importing: true };
  let batch: unknown[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const ctx = { now: Date.now(), importing: true, tokenActor: 'platform' };
    const results = await recorder.record(batch.map((raw) => parseStructuredEvent(raw, ctx)), poster);
    batch = [];
    for (const result of results) {
      if (result.status === 'recorded') summary.recorded++;
      else if (result.status === 'duplicate') summary.duplicates++;
      else {
        summary.rejected++;
        const code = result.problem?.code ?? 'unknown';
        summary.problems.set(code, (summary.problems.get(code) ?? 0) + 1);
      }
    }
    options.onProgress?.(summary);
  };
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    summary.bytes += Buffer.byteLength(line) + 1;
    if (line.trim() === '') continue;
    summary.read++;
    try {
      batch.push(JSON.parse(line));
    } catch {
      summary.invalidLines++;
      continue;
    }
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}
