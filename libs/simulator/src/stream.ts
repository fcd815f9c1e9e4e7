import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { arrivals } from './arrivals';
import type { CloudEventJson } from './cloud-event';
import { MinHeap } from './heap';
import { IdentityNumbers } from './identifiers';
import { generatePerson, type PersonStory } from './person';

export interface SimulationOptions {
  readonly persons: number;
  readonly seed: number;
  readonly fromYear?: number;
  readonly toYear?: number;
  /** Nothing happens or is recorded after this instant (default 2026-11-01T00:00:00Z, fixed for determinism). */
  readonly now?: Date | string;
  /** Events held in memory before sorted runs are spilled to temporary files (default 50,000). */
  readonly bufferLimit?: number;
  /** Where spill files go (default the OS temporary directory). */
  readonly tmpDir?: string;
  /** Receives counters while the simulation runs, for tests and progress. */
  readonly stats?: SimulationStats;
}

export interface SimulationStats {
  persons: number;
  events: number;
  maxBuffered: number;
  spilledRuns: number;
}

export const DEFAULT_NOW = '2026-11-01T00:00:00Z';
export const DEFAULT_BUFFER_LIMIT = 50_000;

interface Pending {
  readonly recorded: number;
  readonly person: number;
  readonly seq: number;
  readonly event: CloudEventJson;
}

const before = (a: Pending, b: Pending) =>
  a.recorded < b.recorded || (a.recorded === b.recorded && (a.person < b.person || (a.person === b.person && a.seq < b.seq)));

export interface ResolvedOptions {
  readonly persons: number;
  readonly seed: number;
  readonly fromYear: number;
  readonly toYear: number;
  readonly now: number;
}

export function resolveOptions(options: SimulationOptions): ResolvedOptions {
  const fromYear = options.fromYear ?? 2008;
  const toYear = options.toYear ?? 2024;
  const now = new Date(options.now ?? DEFAULT_NOW).getTime();
  if (!Number.isInteger(options.persons) || options.persons < 0) throw new Error('persons must be a whole number ≥ 0');
  if (!Number.isInteger(options.seed)) throw new Error('seed must be a whole number');
  if (!Number.isInteger(fromYear) || !Number.isInteger(toYear) || fromYear < 2008 || toYear > 2024 || fromYear > toYear) {
    throw new Error('years must satisfy 2008 ≤ from ≤ to ≤ 2024 (the calibrated span)');
  }
  if (Number.isNaN(now)) throw new Error('now must be an RFC 3339 time');
  return { persons: options.persons, seed: options.seed, fromYear, toYear, now };
}

/** Each person's whole story, in arrival order, unmerged: for calibration and per-person checks. */
export function* stories(options: SimulationOptions): Generator<PersonStory> {
  const o = resolveOptions(options);
  const ctx = { seed: o.seed, now: o.now, ids: new IdentityNumbers(o.seed) };
  for (const a of arrivals(o.persons, o.seed, o.fromYear, o.toYear)) {
    if (a.time > o.now) return;
    yield generatePerson(ctx, a.index, a.time, a.route);
  }
}

/**
 * The simulated feed, ordered by recordedtime (ties by person, then story order), in bounded memory.
 *
 * People are generated in arrival order and every event of a person is recorded at or after its
 * arrival, so once person i is due, nothing recorded before its arrival can still appear: those
 * events are released. A story spans up to 18 years, so what waits is a large part of the output;
 * when more than `bufferLimit` events wait, they are written as one sorted run to a temporary file
 * and later merged back (an external merge), which keeps memory independent of `persons`.
 */
export function* simulate(options: SimulationOptions): Generator<CloudEventJson> {
  const o = resolveOptions(options);
  const limit = options.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
  const stats = options.stats ?? { persons: 0, events: 0, maxBuffered: 0, spilledRuns: 0 };
  const ctx = { seed: o.seed, now: o.now, ids: new IdentityNumbers(o.seed) };
  const buffer = new MinHeap<Pending>(before);
  const runs = new MinHeap<SpillRun>((a, b) => before(a.head!, b.head!));
  let dir: string | undefined;
  let runCount = 0;

  /** The next event recorded before `threshold`, from memory or a spilled run, if any. */
  function take(threshold: number): CloudEventJson | undefined {
    const fromBuffer = buffer.peek();
    const run = runs.peek();
    if (run && (!fromBuffer || before(run.head!, fromBuffer))) {
      const head = run.head!;
      if (head.recorded >= threshold) return undefined;
      runs.pop();
      if (run.advance()) runs.push(run);
      stats.events++;
      return head.event;
    }
    if (fromBuffer && fromBuffer.recorded < threshold) {
      buffer.pop();
      stats.events++;
      return fromBuffer.event;
    }
    return undefined;
  }

  try {
    for (const a of arrivals(o.persons, o.seed, o.fromYear, o.toYear)) {
      if (a.time > o.now) break;
      for (let e = take(a.time); e; e = take(a.time)) yield e;
      const story = generatePerson(ctx, a.index, a.time, a.route);
      stats.persons++;
      for (const e of story.events) buffer.push({ recorded: e.recorded, person: a.index, seq: e.seq, event: e.event });
      if (buffer.size > stats.maxBuffered) stats.maxBuffered = buffer.size;
      if (buffer.size > limit) {
        dir ??= fs.mkdtempSync(path.join(options.tmpDir ?? os.tmpdir(), 'kedja-simulate-'));
        const run = SpillRun.write(path.join(dir, `run-${runCount++}.ndjson`), buffer);
        stats.spilledRuns++;
        if (run.advance()) runs.push(run);
      }
    }
    for (let e = take(Infinity); e; e = take(Infinity)) yield e;
  } finally {
    for (let run = runs.pop(); run; run = runs.pop()) run.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A sorted run on disk, read back a chunk at a time: `recorded person seq json` per line. */
class SpillRun {
  head: Pending | undefined;
  private readonly chunk = Buffer.alloc(1 << 18);
  private readonly decoder = new StringDecoder('utf8');
  private lines: string[] = [];
  private lineIndex = 0;
  private rest = '';
  private eof = false;

  private constructor(private fd: number | undefined) {}

  static write(file: string, buffer: MinHeap<Pending>): SpillRun {
    const fd = fs.openSync(file, 'w');
    let text = '';
    for (let p = buffer.pop(); p; p = buffer.pop()) {
      text += `${p.recorded} ${p.person} ${p.seq} ${JSON.stringify(p.event)}\n`;
      if (text.length > 1 << 20) {
        fs.writeSync(fd, text);
        text = '';
      }
    }
    if (text) fs.writeSync(fd, text);
    fs.closeSync(fd);
    return new SpillRun(fs.openSync(file, 'r'));
  }

  /** Moves `head` to the next line; false (and closed) at the end. */
  advance(): boolean {
    for (;;) {
      if (this.lineIndex < this.lines.length) {
        const line = this.lines[this.lineIndex++];
        const a = line.indexOf(' ');
        const b = line.indexOf(' ', a + 1);
        const c = line.indexOf(' ', b + 1);
        this.head = {
          recorded: Number(line.slice(0, a)),
          person: Number(line.slice(a + 1, b)),
          seq: Number(line.slice(b + 1, c)),
          event: JSON.parse(line.slice(c + 1)) as CloudEventJson,
        };
        return true;
      }
      if (this.eof || this.fd === undefined) {
        this.head = undefined;
        this.close();
        return false;
      }
      const n = fs.readSync(this.fd, this.chunk, 0, this.chunk.length, null);
      if (n === 0) {
        this.eof = true;
        this.lines = this.rest ? [this.rest] : [];
        this.rest = '';
      } else {
        const text = this.rest + this.decoder.write(this.chunk.subarray(0, n));
        const parts = text.split('\n');
        this.rest = parts.pop() ?? '';
        this.lines = parts;
      }
      this.lineIndex = 0;
    }
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
