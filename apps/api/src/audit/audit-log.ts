import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PostgresDatabase, SqliteDatabase, runMigrations, type MigrationStep } from '@kedja/event-store';
import { SqliteAuditWriter, type AuditRowValues } from './sqlite-audit-writer';
import { KEDJA_RUNTIME } from '../runtime/tokens';
import type { KedjaRuntime } from '../runtime/runtime';
import { GroupCommit } from '../core/group-commit';
import { ProblemError } from '../problems/problem';

/** One read of (or attempt to read) a person's record: who, as which actor, when, what and why. */
export interface AuditEntry {
  readonly at: string;
  readonly sub: string;
  readonly actor: string;
  /** `timeline`, `lookup`, `audit`, `extract`, `erasure`, or `view:<name>`. */
  readonly action: string;
  readonly personId: string;
  /** The route template, never the concrete path: a path may hold a personnummer. */
  readonly route: string;
  /** Why, when the client says so (header `x-purpose`). */
  readonly purpose: string | null;
  readonly asOf: string | null;
  /**
   * `read`, `out-of-scope` for a refused read (answered 404), `unknown-subject` for a read of an
   * identifier no person has (answered 404 too, with `personId` empty): written alike, so that the
   * two refusals take the same time (Amendments v1.1 "Unknown and out of scope answer alike"); or
   * `erased` for an erasure.
   */
  readonly outcome: 'read' | 'out-of-scope' | 'unknown-subject' | 'erased';
}

export interface AuditRow extends AuditEntry {
  readonly seq: number;
}

// Append-only is enforced by the database, not only by this code: public-sector practice is to
// hand the person an extract of every read of their record, so no one may edit the trail.
const MIGRATIONS: readonly MigrationStep[] = [
  {
    sqlite: [
      `CREATE TABLE audit_log (
         seq INTEGER PRIMARY KEY AUTOINCREMENT,
         at TEXT NOT NULL, sub TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
         person_id TEXT NOT NULL, route TEXT NOT NULL, purpose TEXT, as_of TEXT, outcome TEXT NOT NULL)`,
      'CREATE INDEX audit_log_person ON audit_log (person_id, seq)',
      `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
      `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
    ],
    postgres: [
      `CREATE TABLE audit_log (
         seq BIGSERIAL PRIMARY KEY,
         at TEXT NOT NULL, sub TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
         person_id TEXT NOT NULL, route TEXT NOT NULL, purpose TEXT, as_of TEXT, outcome TEXT NOT NULL)`,
      'CREATE INDEX audit_log_person ON audit_log (person_id, seq)',
      `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
      `CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
         FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
    ],
  },
  // Culling (gallring, CONTRACT.md v1.1): a row may be deleted once it is older than the five-year
  // minimum, and only then; still never updated. The database itself holds that line, so no
  // setting or bug can cull a younger record. (`at` is canonical UTC text, compared as such.)
  {
    sqlite: [
      'DROP TRIGGER audit_log_no_delete',
      `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
         WHEN OLD.at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-5 years')
         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only; only records older than 5 years are culled'); END`,
    ],
    postgres: [
      `CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF TG_OP = 'DELETE' AND OLD.at < to_char((now() AT TIME ZONE 'UTC') - interval '5 years', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') THEN
             RETURN OLD;
           END IF;
           RAISE EXCEPTION 'audit_log is append-only; only records older than 5 years are culled';
         END $$`,
    ],
  },
];

const INSERT_ONE = `INSERT INTO audit_log (at, sub, actor, action, person_id, route, purpose, as_of, outcome)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`;
// One statement for any number of rows: a statement is atomic on its own, so a group costs one
// round trip, no BEGIN/COMMIT, and the same prepared statement whatever the group's size.
const INSERT_MANY_POSTGRES = `INSERT INTO audit_log (at, sub, actor, action, person_id, route, purpose, as_of, outcome)
  SELECT at, sub, actor, action, person_id, route, purpose, as_of, outcome
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         WITH ORDINALITY AS rows (at, sub, actor, action, person_id, route, purpose, as_of, outcome, n)
   ORDER BY n`;

@Injectable()
export class AuditLog implements OnModuleInit, OnApplicationShutdown {
  /** SQLite on a file: the rows are written by a worker thread (see SqliteAuditWriter). */
  private writer: SqliteAuditWriter | null = null;

  constructor(@Inject(KEDJA_RUNTIME) private readonly runtime: KedjaRuntime) {}

  async onModuleInit(): Promise<void> {
    await runMigrations(this.runtime.db, 'audit', MIGRATIONS);
    if (this.runtime.db instanceof SqliteDatabase) this.writer = SqliteAuditWriter.open(this.runtime.db);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writer?.close();
    this.writer = null;
  }

  private readonly commits = new GroupCommit<AuditEntry, void>(async (entries) => {
    await this.write(entries);
    return new Array<void>(entries.length);
  });

  /**
   * Writes the entries before the caller answers: a read that cannot be audited is not served
   * (503), so there is never a successful read without its trail. Entries of concurrent reads are
   * written in one transaction (group commit): one disk sync per read was the largest cost of a
   * timeline read.
   */
  async record(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await this.commits.submit(entries);
    } catch {
      throw new ProblemError('unavailable', 'The read could not be written to the audit log, so it was not served. Try again.');
    }
  }

  private async write(entries: readonly AuditEntry[]): Promise<void> {
    const db = this.runtime.db;
    if (db instanceof PostgresDatabase) {
      const column = (pick: (e: AuditEntry) => string | null) => entries.map(pick);
      await db.queryNamed('kedja_audit_insert', INSERT_MANY_POSTGRES, [
        column((e) => e.at),
        column((e) => e.sub),
        column((e) => e.actor),
        column((e) => e.action),
        column((e) => e.personId),
        column((e) => e.route),
        column((e) => e.purpose),
        column((e) => e.asOf),
        column((e) => e.outcome),
      ]);
      return;
    }
    if (this.writer?.usable) {
      await this.writer.write(entries.map((e): AuditRowValues => [e.at, e.sub, e.actor, e.action, e.personId, e.route, e.purpose, e.asOf, e.outcome]));
      return;
    }
    // SQLite runs in-process: a row per statement costs no round trip, and one cached statement
    // serves every group size (a multi-row VALUES would prepare a statement per size).
    await db.transaction(async (tx) => {
      for (const e of entries) await tx.execute(INSERT_ONE, [e.at, e.sub, e.actor, e.action, e.personId, e.route, e.purpose, e.asOf, e.outcome]);
    });
  }

  /**
   * Every audited access to one person's record between `from` and `to` (inclusive, canonical
   * UTC; either may be absent), oldest first: the log extract the person is entitled to.
   */
  async extract(personId: string, from: string | null, to: string | null): Promise<AuditRow[]> {
    const rows = await this.runtime.db.query<Record<string, unknown>>(
      `SELECT seq, at, sub, actor, action, person_id, route, purpose, as_of, outcome FROM audit_log
        WHERE person_id = $1 AND at >= $2 AND at <= $3 ORDER BY seq`,
      [personId, from ?? '', to ?? '\uffff'],
    );
    return rows.map(toAuditRow);
  }

  /** Audit rows recorded before `cutoff` (canonical UTC): what culling would delete. */
  async countBefore(cutoff: string): Promise<number> {
    const [row] = await this.runtime.db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM audit_log WHERE at < $1', [cutoff]);
    return Number(row.n);
  }

  /** Deletes the rows recorded before `cutoff`; the database refuses any younger than five years. */
  async cullBefore(cutoff: string): Promise<number> {
    return this.runtime.db.execute('DELETE FROM audit_log WHERE at < $1', [cutoff]);
  }

  async forPerson(personId: string, limit: number, afterSeq: number | null): Promise<AuditRow[]> {
    const rows = await this.runtime.db.query<Record<string, unknown>>(
      `SELECT seq, at, sub, actor, action, person_id, route, purpose, as_of, outcome FROM audit_log
        WHERE person_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [personId, afterSeq ?? 0, limit],
    );
    return rows.map(toAuditRow);
  }
}

function toAuditRow(r: Record<string, unknown>): AuditRow {
  return {
    seq: Number(r.seq),
    at: String(r.at),
    sub: String(r.sub),
    actor: String(r.actor),
    action: String(r.action),
    personId: String(r.person_id),
    route: String(r.route),
    purpose: r.purpose === null || r.purpose === undefined ? null : String(r.purpose),
    asOf: r.as_of === null || r.as_of === undefined ? null : String(r.as_of),
    outcome: r.outcome === 'out-of-scope' || r.outcome === 'erased' ? r.outcome : 'read',
  };
}
