import { EventStore, Position, PostgresExecutor, SqlDatabase, SqlExecutor, LogEvent } from '@kedja/event-store';
import { Projection, ProjectionBuilder, physicalTables, splitDdl, validateProjection } from '../projection';
import { Ownership, newHolderId, ownershipFor } from './ownership';
import { STATE_SELECT, StateRow, ensureProjectionSchema } from './projection-schema';

export interface RebuildProgress {
  readonly name: string;
  /** The generation being built. */
  readonly generation: number;
  /** Events replayed into it so far. */
  readonly done: number;
  /** `done` plus the events still ahead of it in the log. */
  readonly total: number;
}

export interface ProjectionRunnerOptions {
  /** Events per transaction while following the log. Default 500. */
  readonly batchSize?: number;
  /** Events per page read from the log while replaying into a new generation. Default 2000. */
  readonly rebuildBatchSize?: number;
  /**
   * Events per transaction while replaying into a new generation: pages are gathered up to this
   * many (or `rebuildCommitMs`) and applied and checkpointed together. Nobody reads a generation
   * being built, so large transactions cost no reader anything, and a projection that touches the
   * same rows many times (one row per person) writes each once per transaction. Default 400000:
   * a person's events are spread over the whole log, so each commit rewrites nearly every person
   * met so far; with 50,000 a rebuild of 200,000 events ran at half the rate of one of 20,000.
   */
  readonly rebuildCommitEvents?: number;
  /**
   * Longest a rebuild gathers pages before committing them (progress, and the active generation's
   * turn: its live updates wait meanwhile, so a view lags by up to this much during a rebuild).
   * Default 4000.
   */
  readonly rebuildCommitMs?: number;
  /**
   * A projection never built, first taken over on a log holding more events than this, is built
   * as a rebuild is (pages gathered into large transactions, the projection's builder) instead of
   * followed from the first event in transactions of `batchSize`, which is many times slower (a
   * first deployment on a long log, a restore). Its empty first generation stays as it is
   * meanwhile (views list nobody) and is swapped out at the head. Default 20000.
   */
  readonly firstBuildAsRebuildAbove?: number;
  /** How often an idle projection looks for new events (`notify()` wakes it at once). Default 200. */
  readonly pollIntervalMs?: number;
  /** Ownership renewal, rebuild requests from other processes, retired table clean-up. Default 1000. */
  readonly controlIntervalMs?: number;
  /** SQLite lease lifetime; a dead holder is replaced after at most this long. Default 15000. */
  readonly leaseTtlMs?: number;
  /** How long an old generation outlives its swap, for readers holding its names. Default 30000. */
  readonly retireGraceMs?: number;
  /** How long `tableNames` trusts what it read; swaps by this runner are seen at once. Default 1000. */
  readonly tableCacheMs?: number;
  readonly onRebuildProgress?: (progress: RebuildProgress) => void;
  readonly onError?: (projection: string, error: unknown) => void;
  readonly log?: (line: string) => void;
  /** Identifies this process in leases and logs. */
  readonly holderId?: string;
}

export interface ProjectionStatus {
  readonly name: string;
  /** The generation readers are served from; 0 when none is built yet (no runner has started the projection). */
  readonly generation: number;
  /** The projection version that generation was built with. */
  readonly version: number;
  readonly checkpoint: Position | null;
  /** Events the active generation has taken in (handled or passed over), from the start of the log. */
  readonly applied: number;
  /** Events in the log after the checkpoint. */
  readonly lag: number;
  /** Some live process (this one or another) holds the projection and applies it. */
  readonly running: boolean;
  /** This runner is the one applying it. */
  readonly owned: boolean;
  readonly rebuilding: boolean;
  readonly rebuild?: { readonly generation: number; readonly version: number; readonly done: number; readonly total: number };
  /** The last failure applying it, until a batch succeeds again. */
  readonly error?: string;
}

export class OwnershipLostError extends Error {
  constructor(readonly projection: string) {
    super(`projection ${projection}: another process has moved its checkpoint; this one stops applying it`);
  }
}

interface Generation {
  readonly generation: number;
  readonly version: number;
  readonly tables: Record<string, string>;
  checkpoint: Position | null;
  applied: number;
}

/** A run of the log to apply to one generation: `count` events ending at `last`. */
interface Batch {
  readonly count: number;
  readonly last: Position | null;
  /** Positions `waitUntilCaughtUp` waits for that the batch contains. */
  readonly reached: readonly Position[];
  /** The read-model writes, inside the transaction. */
  readonly write?: (tx: SqlExecutor) => Promise<void>;
}

interface Worker {
  readonly projection: Projection;
  readonly handles: ReadonlySet<string> | null;
  active?: Generation;
  rebuild?: Generation;
  /** The projection's builder for the rebuild generation, while one is in progress. */
  builder?: { readonly generation: number; checkpoint: Position | null; readonly builder: ProjectionBuilder };
  /**
   * The projection's builder following the log on the active generation, valid only at exactly
   * that generation and checkpoint: dropped on any failure, takeover or swap, since what it holds
   * may then differ from the tables.
   */
  live?: { readonly generation: number; checkpoint: Position | null; readonly builder: ProjectionBuilder };
  /**
   * Does not follow the log; serves as is until a rebuild swaps in at the head: built by an older
   * version (this code cannot update it), or never built (a first build done as a rebuild).
   */
  frozen: boolean;
  /** Built by a newer version than this code: left to a process running that version. */
  blocked: boolean;
  rebuildRequested: boolean;
  owned: boolean;
  error?: string;
  failures: number;
  rebuildFailures: number;
  rebuildRetryAt: number;
  /** The sequence number of the last read that found nothing after the checkpoint. */
  idleSince: number;
  readonly reached: Set<Position>;
  /** `rebuild()` calls waiting in this process, woken as soon as this runner swaps a generation in. */
  readonly swapWaiters: Set<() => void>;
  wake?: () => void;
  loop?: Promise<void>;
}

const ADVANCE_ACTIVE = `UPDATE projection_state SET checkpoint = $2, applied = applied + $3, updated_time = $4, last_error = NULL
  WHERE name = $1 AND generation = $5 AND COALESCE(checkpoint, '') = $6 RETURNING name`;
const ADVANCE_REBUILD = `UPDATE projection_state SET rebuild_checkpoint = $2, rebuild_applied = rebuild_applied + $3, updated_time = $4
  WHERE name = $1 AND rebuild_generation = $5 AND COALESCE(rebuild_checkpoint, '') = $6 RETURNING name`;
const SWAP = `UPDATE projection_state SET generation = rebuild_generation, version = rebuild_version, tables = rebuild_tables,
    checkpoint = rebuild_checkpoint, applied = rebuild_applied, rebuild_generation = NULL, rebuild_version = NULL,
    rebuild_tables = NULL, rebuild_checkpoint = NULL, rebuild_applied = 0, rebuild_started_time = NULL,
    retired_tables = $2, retired_time = $3, updated_time = $3
  WHERE name = $1 AND generation = $4 AND COALESCE(checkpoint, '') = $5 AND rebuild_generation = $6
    AND COALESCE(rebuild_checkpoint, '') = $7 RETURNING name`;

/** Named statements on PostgreSQL (parsed once per connection); SQLite caches its own. */
function runStatement(tx: SqlExecutor, name: string, sql: string, params: readonly unknown[]): Promise<unknown[]> {
  if (tx instanceof PostgresExecutor) return tx.queryNamed(name, sql, params);
  return tx.query(sql, params);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Follows the global log for each projection from its stored checkpoint: catch-up, then live.
 * Each batch's read-model writes and the checkpoint advance commit in one transaction, and the
 * advance only matches the row if the checkpoint is still the one the batch started from, so an
 * event is applied exactly once even across crashes and ownership changes.
 *
 * Tables are versioned by generation (`${logical}_g${generation}`). A rebuild fills generation+1
 * from the start of the log with its own checkpoint while the active generation keeps serving
 * and, unless its version is outdated, keeps following the log; once the rebuild reaches the
 * active checkpoint, one UPDATE makes it active, and the old tables are dropped after
 * `retireGraceMs`.
 */
export class ProjectionRunner {
  private readonly workers = new Map<string, Worker>();
  private readonly ownership: Ownership;
  private readonly tableCache = new Map<string, { tables: Record<string, string>; at: number }>();
  private readonly options: Required<Omit<ProjectionRunnerOptions, 'onRebuildProgress' | 'holderId'>> &
    Pick<ProjectionRunnerOptions, 'onRebuildProgress'>;
  private sequence = 0;
  private started = false;
  private stopping = false;
  private control?: Promise<void>;
  private wakeControl?: () => void;
  private readonly pendingTargets = new Set<Position>();

  constructor(
    private readonly store: EventStore,
    private readonly db: SqlDatabase,
    projections: readonly Projection[],
    options: ProjectionRunnerOptions = {},
  ) {
    this.options = {
      batchSize: options.batchSize ?? 500,
      rebuildBatchSize: options.rebuildBatchSize ?? 2000,
      rebuildCommitEvents: options.rebuildCommitEvents ?? 400_000,
      rebuildCommitMs: options.rebuildCommitMs ?? 4000,
      firstBuildAsRebuildAbove: options.firstBuildAsRebuildAbove ?? 20_000,
      pollIntervalMs: options.pollIntervalMs ?? 200,
      controlIntervalMs: options.controlIntervalMs ?? 1000,
      leaseTtlMs: options.leaseTtlMs ?? 15_000,
      retireGraceMs: options.retireGraceMs ?? 30_000,
      tableCacheMs: options.tableCacheMs ?? 1000,
      onRebuildProgress: options.onRebuildProgress,
      onError: options.onError ?? ((name, error) => console.error(`projection ${name} failed; retrying`, error)),
      log: options.log ?? (() => undefined),
    };
    // Physical names carry the logical name and generation only, so logical names must be unique
    // across projections.
    const owners = new Map<string, string>();
    for (const projection of projections) {
      validateProjection(projection);
      if (this.workers.has(projection.name)) throw new Error(`projection "${projection.name}" is listed twice`);
      for (const table of projection.tables) {
        const owner = owners.get(table);
        if (owner !== undefined) throw new Error(`table "${table}" belongs to both "${owner}" and "${projection.name}"`);
        owners.set(table, projection.name);
      }
      this.workers.set(projection.name, {
        projection,
        handles: projection.handles === 'all' ? null : new Set(projection.handles),
        frozen: false,
        blocked: false,
        rebuildRequested: false,
        owned: false,
        failures: 0,
        rebuildFailures: 0,
        rebuildRetryAt: 0,
        idleSince: 0,
        reached: new Set(),
        swapWaiters: new Set(),
      });
    }
    this.ownership = ownershipFor(db, options.holderId ?? newHolderId(), this.options.leaseTtlMs);
  }

  get holderId(): string {
    return this.ownership.holderId;
  }

  get mechanism(): 'advisory-lock' | 'lease' {
    return this.ownership.mechanism;
  }

  /**
   * Creates the bookkeeping tables and, for projections never built, generation 1 (so readers
   * find their tables at once), then starts following the log. Resolves before catching up.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('the runner is already started');
    this.started = true;
    await ensureProjectionSchema(this.db);
    for (const worker of this.workers.values()) await this.initialise(worker.projection);
    for (const worker of this.workers.values()) worker.loop = this.follow(worker);
    this.control = this.controlLoop();
  }

  /** Stops after the batches in flight; releases ownership so a standby can take over at once. */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    this.notify();
    this.wakeControl?.();
    await Promise.all([...this.workers.values()].map((worker) => worker.loop));
    await this.control;
    await this.ownership.close();
  }

  /** Wakes idle projections now, e.g. right after an append in the same process. */
  notify(): void {
    for (const worker of this.workers.values()) worker.wake?.();
  }

  /**
   * The active physical table names of a projection, keyed by logical name. Readers look them up
   * per query (cached for `tableCacheMs`): an old generation stays readable for `retireGraceMs`
   * after a swap, so a name looked up just before it still answers.
   */
  async tableNames(projectionName: string): Promise<Record<string, string>> {
    const cached = this.tableCache.get(projectionName);
    if (cached && Date.now() - cached.at < this.options.tableCacheMs) return cached.tables;
    const tables = await readActiveTables(this.db, projectionName);
    this.tableCache.set(projectionName, { tables, at: Date.now() });
    return tables;
  }

  async status(): Promise<ProjectionStatus[]> {
    const rows = new Map((await this.db.query<StateRow>(STATE_SELECT)).map((row) => [row.name, row]));
    const statuses: ProjectionStatus[] = [];
    for (const [name, worker] of this.workers) {
      const row = rows.get(name);
      const owned = this.ownership.holds(name);
      if (!row) {
        // Never built: no runner has started it yet (the projector not run so far, or a projection
        // new in this version). Reported, so an operator sees it, with the whole log as its lag.
        statuses.push({
          name, generation: 0, version: 0, checkpoint: null, applied: 0, lag: await this.store.countAfter(null),
          running: owned || (await this.ownership.heldByAnyone(name)), owned, rebuilding: false,
          ...(worker.error ? { error: worker.error } : {}),
        });
        continue;
      }
      const rebuildDone = Number(row.rebuild_applied);
      statuses.push({
        name,
        generation: Number(row.generation),
        version: Number(row.version),
        checkpoint: row.checkpoint,
        applied: Number(row.applied),
        lag: await this.store.countAfter(row.checkpoint),
        running: owned || (await this.ownership.heldByAnyone(name)),
        owned,
        rebuilding: row.rebuild_generation !== null,
        ...(row.rebuild_generation !== null
          ? {
              rebuild: {
                generation: Number(row.rebuild_generation),
                version: Number(row.rebuild_version),
                done: rebuildDone,
                total: rebuildDone + (await this.store.countAfter(row.rebuild_checkpoint)),
              },
            }
          : {}),
        ...((worker.error ?? row.last_error) ? { error: worker.error ?? row.last_error ?? undefined } : {}),
      });
    }
    return statuses;
  }

  /**
   * Resolves once every projection's active generation has taken in the log up to its head as of
   * the call (a projection being rebuilt for a new version counts once it has swapped). Works
   * whether this runner or another process applies them.
   */
  async waitUntilCaughtUp(timeoutMs = 30_000): Promise<void> {
    const head = await this.store.headPosition();
    if (head === null) return;
    const since = ++this.sequence;
    this.pendingTargets.add(head);
    const deadline = Date.now() + timeoutMs;
    try {
      this.notify();
      const pending = new Set(this.workers.keys());
      for (;;) {
        for (const name of [...pending]) if (await this.hasReached(this.workers.get(name) as Worker, head, since)) pending.delete(name);
        if (pending.size === 0) return;
        if (Date.now() >= deadline) throw new Error(`projections not caught up within ${timeoutMs} ms: ${[...pending].join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      this.pendingTargets.delete(head);
      for (const worker of this.workers.values()) worker.reached.delete(head);
    }
  }

  /**
   * Rebuilds a projection into a fresh generation and resolves when it is active. The request is
   * recorded in the state row, so whichever process applies the projection (this one or a running
   * projector) carries it out; progress is read back from the same row.
   */
  async rebuild(projectionName: string, options: { onProgress?: (progress: RebuildProgress) => void; pollMs?: number } = {}): Promise<{ generation: number }> {
    const worker = this.workers.get(projectionName);
    if (!worker) throw new Error(`unknown projection "${projectionName}"`);
    if (!this.started) throw new Error('start the runner before rebuilding');
    const before = await this.stateRow(projectionName);
    if (!before) throw new Error(`projection "${projectionName}" has no state`);
    await this.db.execute('UPDATE projection_state SET rebuild_requested = 1 WHERE name = $1', [projectionName]);
    worker.rebuildRequested = true;
    worker.wake?.();
    // Counting the rest of the log scans an index: done only for a listener, once per checkpoint.
    let counted: { checkpoint: Position | null; total: number } | undefined;
    for (;;) {
      if (this.stopping) throw new Error('the runner stopped before the rebuild finished');
      const row = await this.stateRow(projectionName);
      if (row && Number(row.generation) > Number(before.generation)) {
        const done = Number(row.applied);
        options.onProgress?.({ name: projectionName, generation: Number(row.generation), done, total: done });
        return { generation: Number(row.generation) };
      }
      if (row?.rebuild_generation != null && options.onProgress) {
        const done = Number(row.rebuild_applied);
        if (counted?.checkpoint !== row.rebuild_checkpoint) counted = { checkpoint: row.rebuild_checkpoint, total: done + (await this.store.countAfter(row.rebuild_checkpoint)) };
        options.onProgress({ name: projectionName, generation: Number(row.rebuild_generation), done, total: counted.total });
      }
      // Another process may be the one applying it, so the row is polled; a swap by this runner
      // ends the wait at once.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          worker.swapWaiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, options.pollMs ?? 200);
        worker.swapWaiters.add(done);
      });
    }
  }

  private async hasReached(worker: Worker, head: Position, since: number): Promise<boolean> {
    if (worker.owned && worker.active && !worker.frozen) {
      return worker.active.checkpoint === head || worker.reached.has(head) || worker.idleSince > since;
    }
    const row = await this.stateRow(worker.projection.name);
    if (!row || Number(row.version) < worker.projection.version) return false;
    if (row.checkpoint === head) return true;
    // The head's count first: the log only grows, so this order can only under-report progress.
    const afterHead = await this.store.countAfter(head);
    return (await this.store.countAfter(row.checkpoint)) <= afterHead;
  }

  private async stateRow(name: string): Promise<StateRow | undefined> {
    return (await this.db.query<StateRow>(`${STATE_SELECT} WHERE name = $1`, [name]))[0];
  }

  private async initialise(projection: Projection): Promise<void> {
    const tables = physicalTables(projection, 1);
    await this.db.transaction(async (tx) => {
      // Concurrent starters: on PostgreSQL the second INSERT waits for the first to commit and
      // then does nothing, so exactly one creates the tables.
      const inserted = await tx.query(
        `INSERT INTO projection_state (name, generation, version, tables, checkpoint, applied, updated_time)
         VALUES ($1, 1, $2, $3, NULL, 0, $4) ON CONFLICT (name) DO NOTHING RETURNING name`,
        [projection.name, projection.version, JSON.stringify(tables), new Date().toISOString()],
      );
      if (inserted.length === 0) return;
      for (const sql of projection.createTables(tables, this.db.dialect)) await tx.execute(sql);
    });
  }

  private async follow(worker: Worker): Promise<void> {
    const name = worker.projection.name;
    while (!this.stopping) {
      try {
        if (!this.ownership.holds(name)) {
          worker.owned = false;
          if (!(await this.ownership.tryAcquire(name))) {
            await this.sleep(worker, this.options.controlIntervalMs);
            continue;
          }
          await this.takeOver(worker);
          if (worker.blocked) {
            await this.ownership.release(name);
            await this.sleep(worker, this.options.controlIntervalMs * 5);
            continue;
          }
          worker.owned = true;
          this.options.log(`projection ${name}: applying (generation ${worker.active?.generation}, holder ${this.holderId})`);
        }
        const progressed = await this.step(worker);
        worker.failures = 0;
        if (worker.error !== undefined) worker.error = undefined;
        if (!progressed) await this.sleep(worker, this.options.pollIntervalMs);
        // SQLite calls settle synchronously, so a catch-up would otherwise never let timers (lease
        // renewal) or I/O (the api's requests in embedded mode) run until it finished.
        else await new Promise((resolve) => setImmediate(resolve));
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof OwnershipLostError) {
          this.options.log(error.message);
          worker.owned = false;
          await this.ownership.release(name).catch(() => undefined);
          await this.sleep(worker, this.options.controlIntervalMs);
          continue;
        }
        worker.failures++;
        worker.error = message(error);
        this.options.onError(name, error);
        await this.db
          .execute('UPDATE projection_state SET last_error = $2 WHERE name = $1', [name, worker.error.slice(0, 2000)])
          .catch(() => undefined);
        await this.sleep(worker, Math.min(this.options.pollIntervalMs * 2 ** worker.failures, 5000));
      }
    }
    worker.owned = false;
  }

  /** Loads the state as committed by the previous holder and settles version changes. */
  private async takeOver(worker: Worker): Promise<void> {
    const { projection } = worker;
    const row = await this.stateRow(projection.name);
    if (!row) throw new Error(`projection ${projection.name} has no state row`);
    const version = Number(row.version);
    worker.blocked = version > projection.version;
    if (worker.blocked) {
      worker.error = `built by version ${version}, newer than this code's ${projection.version}; left to a process running that version`;
      this.options.log(`projection ${projection.name}: ${worker.error}`);
      return;
    }
    // Whatever a builder of ours held, another process may have moved on since.
    worker.builder = undefined;
    worker.live = undefined;
    worker.active = {
      generation: Number(row.generation),
      version,
      tables: JSON.parse(row.tables),
      checkpoint: row.checkpoint,
      applied: Number(row.applied),
    };
    worker.rebuild =
      row.rebuild_generation === null
        ? undefined
        : {
            generation: Number(row.rebuild_generation),
            version: Number(row.rebuild_version),
            tables: JSON.parse(row.rebuild_tables ?? '{}'),
            checkpoint: row.rebuild_checkpoint,
            applied: Number(row.rebuild_applied),
          };
    worker.frozen = version < projection.version;
    worker.rebuildRequested = worker.rebuildRequested || Number(row.rebuild_requested) === 1;
    // Never built (see firstBuildAsRebuildAbove): its first generation does not move, and the
    // rebuild swaps in at the head. A rebuild of this version already under way is the first
    // build of an earlier holder, resumed.
    const firstBuild =
      !worker.frozen &&
      worker.active.checkpoint === null &&
      worker.active.applied === 0 &&
      (worker.rebuild?.version === projection.version || (await this.store.countAfter(null)) > this.options.firstBuildAsRebuildAbove);
    if (firstBuild) {
      worker.frozen = true;
      this.options.log(`projection ${projection.name}: first build, as a rebuild`);
    }
    if (worker.frozen && worker.rebuild?.version !== projection.version) {
      if (!firstBuild) this.options.log(`projection ${projection.name}: version ${version} → ${projection.version}, rebuilding`);
      await this.startRebuild(worker);
    } else if (worker.rebuild && worker.rebuild.version !== projection.version) {
      await this.startRebuild(worker);
    }
  }

  private async step(worker: Worker): Promise<boolean> {
    if (worker.rebuildRequested) {
      if (worker.rebuild) await this.db.execute('UPDATE projection_state SET rebuild_requested = 0 WHERE name = $1', [worker.projection.name]);
      else await this.startRebuild(worker);
      worker.rebuildRequested = false;
    }
    const active = worker.active as Generation;
    let progressed = false;
    if (!worker.frozen) {
      const readSequence = ++this.sequence;
      const page = await this.store.readAllWithoutMetadata({ after: active.checkpoint, limit: this.options.batchSize });
      if (page.events.length > 0) {
        const events = page.events;
        const handled = worker.handles === null ? events : events.filter((event) => (worker.handles as ReadonlySet<string>).has(event.type));
        const live = handled.length > 0 ? this.liveBuilder(worker, active) : undefined;
        let write: Batch['write'];
        if (live) {
          write = async (tx) => {
            live.add(handled);
            await live.write(tx);
          };
        } else if (handled.length > 0) {
          write = (tx) => worker.projection.apply(tx, active.tables, handled);
        }
        const last = events[events.length - 1].position;
        const reached = this.pendingTargets.size > 0 ? events.filter((event) => this.pendingTargets.has(event.position)).map((event) => event.position) : [];
        try {
          await this.commit(worker, 'active', { count: events.length, last, reached, write }, false);
        } catch (error) {
          // What the builder holds may now be ahead of the committed tables.
          worker.live = undefined;
          throw error;
        }
        live?.committed();
        // Events it was not given change nothing it holds, so it stays valid at the new checkpoint.
        if (worker.live) worker.live.checkpoint = active.checkpoint;
        progressed = true;
      } else {
        worker.idleSince = readSequence;
      }
    }
    if (worker.rebuild && Date.now() >= worker.rebuildRetryAt) {
      // A failing rebuild backs off on its own; the active generation keeps following the log.
      try {
        progressed = (await this.stepRebuild(worker)) || progressed;
        worker.rebuildFailures = 0;
      } catch (error) {
        if (error instanceof OwnershipLostError || this.stopping) throw error;
        worker.rebuildFailures++;
        worker.rebuildRetryAt = Date.now() + Math.min(this.options.pollIntervalMs * 2 ** worker.rebuildFailures, 5000);
        this.options.onError(worker.projection.name, error);
      }
    }
    return progressed;
  }

  /**
   * The rebuild never passes the active checkpoint: its pages are cut at it, so the two meet
   * exactly and the swap hands readers a generation exactly as far along as the one it replaces.
   * A frozen (outdated) active generation does not move, so then the rebuild swaps at the head.
   */
  private async stepRebuild(worker: Worker): Promise<boolean> {
    const active = worker.active as Generation;
    const rebuild = worker.rebuild as Generation;
    if (!worker.frozen && rebuild.checkpoint === active.checkpoint) {
      await this.commit(worker, 'rebuild', { count: 0, last: rebuild.checkpoint, reached: [] }, true);
      return true;
    }
    const { projection, handles } = worker;
    if (projection.openBuilder && (worker.builder?.generation !== rebuild.generation || worker.builder.checkpoint !== rebuild.checkpoint)) {
      // A builder resumed on committed rows (after a failure or a restart) may read and update
      // them, so the indexes a fresh build leaves to its swap are made first.
      if (rebuild.checkpoint !== null) await this.createDeferredIndexes(this.db, projection, rebuild.tables);
      worker.builder = {
        generation: rebuild.generation,
        checkpoint: rebuild.checkpoint,
        builder: projection.openBuilder(rebuild.tables, this.db.dialect, rebuild.checkpoint === null, 'rebuild'),
      };
    }
    const builder = worker.builder?.builder;
    // Pages are gathered into one transaction (see rebuildCommitEvents); a builder folds each page
    // as it comes, so only its own state outlives the page.
    const limit = this.options.rebuildBatchSize;
    const gatherUntil = Date.now() + this.options.rebuildCommitMs;
    const handled: LogEvent[] = [];
    const reachedTargets: Position[] = [];
    let count = 0;
    let last = rebuild.checkpoint;
    let reached = false;
    try {
      // The next page is asked for before this one is folded, so on PostgreSQL the server reads
      // it meanwhile.
      let next: Promise<{ events: readonly LogEvent[] }> | undefined = this.store.readAllWithoutMetadata({ after: last, limit });
      while (next) {
        const page = await next;
        next = undefined;
        let events = page.events;
        if (worker.frozen) {
          reached = events.length < limit;
        } else {
          const cut = events.findIndex((event) => event.position === active.checkpoint);
          if (cut >= 0) {
            events = events.slice(0, cut + 1);
            reached = true;
          }
        }
        if (events.length === 0) break;
        count += events.length;
        last = events[events.length - 1].position;
        const more = !reached && events.length === limit && count + limit <= this.options.rebuildCommitEvents && Date.now() < gatherUntil && !this.stopping;
        if (more) {
          next = this.store.readAllWithoutMetadata({ after: last, limit });
          // Awaited on the next turn; this only keeps a failure from counting as unhandled if folding this page throws first.
          next.catch(() => undefined);
        }
        if (this.pendingTargets.size > 0) for (const event of events) if (this.pendingTargets.has(event.position)) reachedTargets.push(event.position);
        const mine = handles === null ? events : events.filter((event) => handles.has(event.type));
        if (builder) builder.add(mine);
        else for (const event of mine) handled.push(event);
        // SQLite reads settle synchronously: let timers and I/O (the api's requests in embedded
        // mode) run between pages, as between transactions.
        if (next) await new Promise((resolve) => setImmediate(resolve));
      }
      if (count === 0 && !reached) return false;
      await this.commit(
        worker,
        'rebuild',
        { count, last, reached: reachedTargets, write: builder ? (tx) => builder.write(tx) : (tx) => projection.apply(tx, rebuild.tables, handled) },
        reached,
      );
      builder?.committed();
      if (worker.builder) worker.builder.checkpoint = last;
    } catch (error) {
      // What the builder holds may now be ahead of the committed tables.
      worker.builder = undefined;
      throw error;
    }
    if (reached) worker.builder = undefined;
    if (this.options.onRebuildProgress) {
      const done = reached ? (worker.active as Generation).applied : rebuild.applied;
      const total = reached ? done : done + (await this.store.countAfter(rebuild.checkpoint));
      this.options.onRebuildProgress({ name: worker.projection.name, generation: rebuild.generation, done, total });
    }
    return true;
  }

  /**
   * The builder that follows the log on the active generation: the one held if it is exactly at
   * this generation and checkpoint, else a new one (opened on tables that are not fresh, so it
   * reads from the log whoever it does not hold yet).
   */
  private liveBuilder(worker: Worker, active: Generation): ProjectionBuilder | undefined {
    const { projection } = worker;
    if (!projection.openBuilder) return undefined;
    if (!worker.live || worker.live.generation !== active.generation || worker.live.checkpoint !== active.checkpoint) {
      worker.live = { generation: active.generation, checkpoint: active.checkpoint, builder: projection.openBuilder(active.tables, this.db.dialect, false, 'follow') };
    }
    return worker.live.builder;
  }

  /** Applies a batch of the log to a generation and advances its checkpoint past it, in one transaction; with `swap`, makes it the active one. */
  private async commit(worker: Worker, target: 'active' | 'rebuild', batch: Batch, swap: boolean): Promise<void> {
    const { projection } = worker;
    const active = worker.active as Generation;
    const generation = (target === 'active' ? worker.active : worker.rebuild) as Generation;
    const last = batch.last;
    const now = new Date().toISOString();
    let retired: string[] = [];
    await this.db.transaction(async (tx) => {
      if (batch.count > 0) {
        // First, so on PostgreSQL the row lock is taken before any read-model write.
        const advanced = await runStatement(tx, `kedja_projection_advance_${target}`, target === 'active' ? ADVANCE_ACTIVE : ADVANCE_REBUILD, [
          projection.name,
          last,
          batch.count,
          now,
          generation.generation,
          generation.checkpoint ?? '',
        ]);
        if (advanced.length !== 1) throw new OwnershipLostError(projection.name);
        if (batch.write) await batch.write(tx);
      }
      if (swap) {
        if (target === 'rebuild') await this.createDeferredIndexes(tx, projection, generation.tables);
        const [row] = await tx.query<{ retired_tables: string | null }>('SELECT retired_tables FROM projection_state WHERE name = $1', [projection.name]);
        retired = [...(row?.retired_tables ? (JSON.parse(row.retired_tables) as string[]) : []), ...Object.values(active.tables)];
        const swapped = await tx.query(SWAP, [
          projection.name,
          JSON.stringify(retired),
          now,
          active.generation,
          active.checkpoint ?? '',
          generation.generation,
          last ?? '',
        ]);
        if (swapped.length !== 1) throw new OwnershipLostError(projection.name);
      }
    });
    generation.checkpoint = last;
    generation.applied += batch.count;
    if (swap) {
      worker.active = generation;
      worker.rebuild = undefined;
      worker.frozen = false;
      this.tableCache.set(projection.name, { tables: generation.tables, at: Date.now() });
      this.options.log(`projection ${projection.name}: generation ${generation.generation} is active`);
      if (this.options.retireGraceMs === 0) await this.dropRetired(projection.name, now);
      for (const waiter of [...worker.swapWaiters]) waiter();
    }
    // Last, so a caller of waitUntilCaughtUp sees the swap's clean-up done too (with no grace, the
    // retired tables are gone by then; under load the waiter used to look before the drop).
    for (const position of batch.reached) worker.reached.add(position);
  }

  private async startRebuild(worker: Worker): Promise<void> {
    const { projection } = worker;
    const active = worker.active as Generation;
    const stale = worker.rebuild;
    const generation = Math.max(active.generation, stale?.generation ?? 0) + 1;
    const tables = physicalTables(projection, generation);
    const now = new Date().toISOString();
    await this.db.transaction(async (tx) => {
      const updated = await tx.query(
        `UPDATE projection_state SET rebuild_generation = $2, rebuild_version = $3, rebuild_tables = $4, rebuild_checkpoint = NULL,
           rebuild_applied = 0, rebuild_started_time = $5, rebuild_requested = 0, updated_time = $5
         WHERE name = $1 AND generation = $6 RETURNING name`,
        [projection.name, generation, projection.version, JSON.stringify(tables), now, active.generation],
      );
      if (updated.length !== 1) throw new OwnershipLostError(projection.name);
      for (const table of Object.values(stale?.tables ?? {})) await tx.execute(`DROP TABLE IF EXISTS ${table}`);
      for (const table of Object.values(tables)) await tx.execute(`DROP TABLE IF EXISTS ${table}`);
      // With a builder, the plain indexes wait for the swap (splitDdl).
      const ddl = projection.createTables(tables, this.db.dialect);
      for (const sql of projection.openBuilder ? splitDdl(ddl).tables : ddl) await tx.execute(sql);
    });
    worker.rebuild = { generation, version: projection.version, tables, checkpoint: null, applied: 0 };
    worker.builder = undefined;
    this.options.log(`projection ${projection.name}: rebuilding into generation ${generation}`);
  }

  /** The plain indexes of a generation filled by a builder (`IF NOT EXISTS`: a no-op once made). */
  private async createDeferredIndexes(executor: SqlExecutor, projection: Projection, tables: Readonly<Record<string, string>>): Promise<void> {
    if (!projection.openBuilder) return;
    for (const sql of splitDdl(projection.createTables(tables, this.db.dialect)).indexes) await executor.execute(sql);
  }

  private async dropRetired(name: string, retiredTime: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ retired_tables: string | null }>(
        'SELECT retired_tables FROM projection_state WHERE name = $1 AND retired_time = $2',
        [name, retiredTime],
      );
      if (!row?.retired_tables) return;
      for (const table of JSON.parse(row.retired_tables) as string[]) await tx.execute(`DROP TABLE IF EXISTS ${table}`);
      await tx.execute('UPDATE projection_state SET retired_tables = NULL, retired_time = NULL WHERE name = $1 AND retired_time = $2', [name, retiredTime]);
    });
  }

  private async controlLoop(): Promise<void> {
    while (!this.stopping) {
      try {
        for (const name of await this.ownership.maintain()) {
          this.options.log(`projection ${name}: ownership lost`);
          const worker = this.workers.get(name);
          if (worker) worker.owned = false;
        }
        const rows = await this.db.query<StateRow>(STATE_SELECT);
        for (const row of rows) {
          const worker = this.workers.get(row.name);
          if (!worker || !this.ownership.holds(row.name)) continue;
          if (Number(row.rebuild_requested) === 1 && !worker.rebuildRequested) {
            worker.rebuildRequested = true;
            worker.wake?.();
          }
          if (row.retired_time !== null && Date.parse(row.retired_time) + this.options.retireGraceMs <= Date.now()) {
            await this.dropRetired(row.name, row.retired_time);
          }
        }
      } catch (error) {
        if (!this.stopping) this.options.onError('(control)', error);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, this.options.controlIntervalMs);
        function finish() {
          clearTimeout(timer);
          resolve();
        }
        this.wakeControl = finish;
      });
    }
  }

  private sleep(worker: Worker, ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        worker.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      worker.wake = finish;
    });
  }
}

/** The active physical table names of a projection, for processes that read without a runner. */
export async function readActiveTables(db: SqlExecutor, projectionName: string): Promise<Record<string, string>> {
  const rows = await db.query<{ tables: string }>('SELECT tables FROM projection_state WHERE name = $1', [projectionName]);
  if (rows.length === 0) throw new Error(`projection "${projectionName}" is not built yet`);
  return JSON.parse(rows[0].tables) as Record<string, string>;
}
