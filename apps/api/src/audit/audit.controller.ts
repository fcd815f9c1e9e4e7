import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { actorCode } from '@kedja/access';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { ProblemError } from '../problems/problem';
import { KEDJA_RUNTIME } from '../runtime/tokens';
import type { KedjaRuntime } from '../runtime/runtime';
import { personNotFound, purposeOf, readerFor, resolveSubject } from '../reading/reader';
import { page, parsePage } from '../reading/paging';
import { AuditLog, type AuditRow } from './audit-log';
import { parseRfc3339 } from '../recording/envelope';

const isSeq = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

@Controller('v1/audit')
export class AuditController {
  constructor(
    @Inject(KEDJA_RUNTIME) private readonly runtime: KedjaRuntime,
    private readonly audit: AuditLog,
  ) {}

  /** Every read of one person's record, oldest first: the basis of a log extract for the person. */
  @Get()
  async list(@Query() query: Record<string, unknown>, @Req() request: Request, @CurrentPrincipal() claims: Principal) {
    const reader = readerFor(claims, 'read-audit', 'The audit log is read by an admin of actor platform.');
    if (query.subject === undefined) throw new ProblemError('invalid-request', 'subject is required.', [{ path: 'subject', message: 'is required' }]);
    const request_ = parsePage(query, isSeq);
    const personId = await resolveSubject(this.runtime.store, this.runtime.personalData, query.subject);
    if (personId === null) throw personNotFound();
    const rows = await this.audit.forPerson(personId, request_.limit + 1, request_.after);
    const { items, nextCursor } = page(rows, request_.limit, (r) => r.seq);
    // Reading the trail is itself a read of the person's record.
    await this.audit.record([
      { at: new Date().toISOString(), sub: reader.sub, actor: actorCode(reader.actor), action: 'audit', personId, route: 'GET /v1/audit', purpose: purposeOf(request), asOf: null, outcome: 'read' },
    ]);
    return { personId, items: items.map(({ seq: _seq, ...entry }) => entry), nextCursor };
  }

  /**
   * The log extract to give the person (CONTRACT.md v1.1): each access to their record, with the
   * reading actor and user, the time, the kind of read and the stated purpose, oldest first; as
   * JSON or, with `format=csv`, as a CSV file. Making the extract is audited as a read too.
   */
  @Get('extract')
  async extract(@Query() query: Record<string, unknown>, @Req() request: Request, @Res({ passthrough: true }) response: Response, @CurrentPrincipal() claims: Principal) {
    const reader = readerFor(claims, 'read-audit', 'The log extract is made by an admin of actor platform.');
    if (query.subject === undefined) throw new ProblemError('invalid-request', 'subject is required.', [{ path: 'subject', message: 'is required' }]);
    const format = query.format ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new ProblemError('invalid-request', 'format must be json or csv.', [{ path: 'format', message: 'must be json or csv' }]);
    const bound = (name: 'from' | 'to'): string | null => {
      if (query[name] === undefined) return null;
      const ms = parseRfc3339(query[name]);
      if (ms === null) throw new ProblemError('invalid-request', `${name} must be an RFC 3339 time with offset.`, [{ path: name, message: 'must be an RFC 3339 time with offset' }]);
      return new Date(ms).toISOString();
    };
    const from = bound('from');
    const to = bound('to');
    const personId = await resolveSubject(this.runtime.store, this.runtime.personalData, query.subject);
    if (personId === null) throw personNotFound();
    const rows = await this.audit.extract(personId, from, to);
    await this.audit.record([
      { at: new Date().toISOString(), sub: reader.sub, actor: actorCode(reader.actor), action: 'extract', personId, route: 'GET /v1/audit/extract', purpose: purposeOf(request), asOf: null, outcome: 'read' },
    ]);
    const reads = rows.map(extractEntry);
    if (format === 'json') return { personId, from, to, reads };
    response.setHeader('Content-Type', 'text/csv; charset=utf-8');
    response.setHeader('Content-Disposition', `attachment; filename="log-extract-${personId}.csv"`);
    return [EXTRACT_COLUMNS.join(','), ...reads.map((r) => EXTRACT_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n';
  }
}

interface ExtractEntry {
  readonly at: string;
  readonly actor: string;
  readonly user: string;
  readonly kind: string;
  readonly purpose: string | null;
  readonly outcome: string;
}

const EXTRACT_COLUMNS: readonly (keyof ExtractEntry)[] = ['at', 'actor', 'user', 'kind', 'purpose', 'outcome'];

function extractEntry(row: AuditRow): ExtractEntry {
  return { at: row.at, actor: row.actor, user: row.sub, kind: row.action, purpose: row.purpose, outcome: row.outcome };
}

/**
 * One RFC 4180 cell. A purpose is the caller's text: quoted when it holds a separator, and a cell
 * a spreadsheet would take for a formula (=, +, -, @, tab, CR) gets a leading apostrophe.
 */
function csvCell(value: string | null): string {
  if (value === null) return '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
