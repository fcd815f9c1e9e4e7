import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { PoolClient } from 'pg';
import { PostgresDatabase, SqlDatabase } from '@kedja/event-store';

/**
 * Decides which process applies a projection. Correctness does not rest on it: every batch
 * commits only if the checkpoint it started from is still the stored one (see the runner), so a
 * process that lost ownership without noticing has its batch rolled back, never applied twice.
 * Ownership just keeps two processes from doing the same work and fighting over the row.
 */
export interface Ownership {
  readonly mechanism: 'advisory-lock' | 'lease';
  readonly holderId: string;
  tryAcquire(name: string): Promise<boolean>;
  holds(name: string): boolean;
  /** Renews what is held and checks it is still held; returns the names lost. */
  maintain(): Promise<string[]>;
  release(name: string): Promise<void>;
  /** Whether any process (this one included) holds it, for status reports. */
  heldByAnyone(name: string): Promise<boolean>;
  close(): Promise<void>;
}

export function newHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * PostgreSQL: session-level advisory locks on one dedicated connection taken from the pool for
 * the runner's life. The server releases them the moment that session ends, however the process
 * dies, so a standby takes over within its next acquisition attempt. Advisory locks are
 * database-wide, so the key includes the schema.
 */
export class AdvisoryLockOwnership implements Ownership {
  readonly mechanism = 'advisory-lock' as const;
  private client: PoolClient | undefined;
  private connecting: Promise<PoolClient> | undefined;
  private readonly held = new Set<string>();
  private schema: string | undefined;
  /** The lock connection serves one query at a time; the projections' loops share it. */
  private queue: Promise<unknown> = Promise.resolve();

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  constructor(
    private readonly db: PostgresDatabase,
    readonly holderId: string,
  ) {}

  async tryAcquire(name: string): Promise<boolean> {
    if (this.held.has(name)) return true;
    const client = await this.connection();
    const key = await this.key(name);
    const result = await this.serially(() => client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key.toString()]));
    if (result.rows[0]?.locked) this.held.add(name);
    return this.held.has(name);
  }

  holds(name: string): boolean {
    return this.held.has(name);
  }

  async maintain(): Promise<string[]> {
    if (!this.client || this.held.size === 0) return [];
    try {
      const client = this.client;
      await this.serially(() => client.query('SELECT 1'));
      return [];
    } catch {
      return this.lose(this.client);
    }
  }

  async release(name: string): Promise<void> {
    if (!this.held.delete(name) || !this.client) return;
    try {
      const client = this.client;
      const key = (await this.key(name)).toString();
      await this.serially(() => client.query('SELECT pg_advisory_unlock($1::bigint)', [key]));
    } catch {
      this.lose(this.client);
    }
  }

  async heldByAnyone(name: string): Promise<boolean> {
    const key = BigInt.asUintN(64, await this.key(name));
    const rows = await this.db.query<{ held: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND objsubid = 1
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND classid::bigint = $1 AND objid::bigint = $2) AS held`,
      [(key >> 32n).toString(), (key & 0xffffffffn).toString()],
    );
    return Boolean(rows[0]?.held);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.held.clear();
    // Ending the session releases every lock it holds; the client is not returned to the pool
    // with locks still attached.
    if (client) client.release(true);
  }

  private async key(name: string): Promise<bigint> {
    if (this.schema === undefined) {
      const rows = await this.db.query<{ schema: string }>('SELECT current_schema() AS schema');
      this.schema = rows[0]?.schema ?? 'public';
    }
    const digest = createHash('sha256').update(`kedja-projection\u0000${this.schema}\u0000${name}`).digest();
    return digest.readBigInt64BE(0);
  }

  private connection(): Promise<PoolClient> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.db.pool.connect().then(
      (client) => {
        this.connecting = undefined;
        this.client = client;
        client.on('error', () => this.lose(client));
        return client;
      },
      (error) => {
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  private lose(client: PoolClient): string[] {
    if (this.client !== client) return [];
    this.client = undefined;
    const lost = [...this.held];
    this.held.clear();
    client.release(true);
    return lost;
  }
}

/**
 * SQLite: the embedded mode runs one process, but a second one (a CLI rebuild, a stray
 * projector) must not apply alongside it. A lease row per projection names the holder and an
 * expiry, renewed every `renewMs`; a holder that dies stops renewing and anyone may take the
 * lease once it expires (after at most `ttlMs`). Clocks are compared on one machine only, since
 * SQLite is a local file.
 */
export class LeaseOwnership implements Ownership {
  readonly mechanism = 'lease' as const;
  private readonly held = new Set<string>();

  constructor(
    private readonly db: SqlDatabase,
    readonly holderId: string,
    private readonly ttlMs: number,
  ) {}

  async tryAcquire(name: string): Promise<boolean> {
    const now = Date.now();
    const changed = await this.db.execute(
      `INSERT INTO projection_leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE projection_leases.holder = $2 OR projection_leases.expires_at < $4`,
      [name, this.holderId, now + this.ttlMs, now],
    );
    if (changed > 0) this.held.add(name);
    else this.held.delete(name);
    return changed > 0;
  }

  holds(name: string): boolean {
    return this.held.has(name);
  }

  async maintain(): Promise<string[]> {
    const lost: string[] = [];
    const expiresAt = Date.now() + this.ttlMs;
    for (const name of [...this.held]) {
      const changed = await this.db.execute('UPDATE projection_leases SET expires_at = $1 WHERE name = $2 AND holder = $3', [
        expiresAt,
        name,
        this.holderId,
      ]);
      if (changed === 0) {
        this.held.delete(name);
        lost.push(name);
      }
    }
    return lost;
  }

  async release(name: string): Promise<void> {
    if (!this.held.delete(name)) return;
    await this.db.execute('DELETE FROM projection_leases WHERE name = $1 AND holder = $2', [name, this.holderId]);
  }

  async heldByAnyone(name: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 AS held FROM projection_leases WHERE name = $1 AND expires_at >= $2', [name, Date.now()]);
    return rows.length > 0;
  }

  async close(): Promise<void> {
    for (const name of [...this.held]) await this.release(name);
  }
}

export function ownershipFor(db: SqlDatabase, holderId: string, leaseTtlMs: number): Ownership {
  if (db instanceof PostgresDatabase) return new AdvisoryLockOwnership(db, holderId);
  return new LeaseOwnership(db, holderId, leaseTtlMs);
}
