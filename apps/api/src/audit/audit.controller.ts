import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { actorCode } from '@kedja/access';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { ProblemError } from '../problems/problem';
import { KEDJA_RUNTIME } from '../runtime/tokens';
import type { KedjaRuntime } from '../runtime/runtime';
import { personNotFound, purposeOf, readerFor, resolveSubject } from '../reading/reader';
import { page, parsePage } from '../reading/paging';
import { AuditLog } from './audit-log';

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
}
