import { Controller, Get, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import { ProblemError } from '../../problems/problem';
import { readerFor } from '../reader';
import { page, parsePage } from '../paging';
import { daysFrom, isStringTuple, scopeClause, sees, ViewReader } from '../views/view-reader';
import type { SettlementQueueDetail } from '../views/read-models';

const ROUTE = 'GET /v1/views/settlement-queue';

interface Row {
  person_id: string;
  permit_at: string;
  detail: string;
  residence_municipality: string | null;
}

@Controller('v1/views/settlement-queue')
export class SettlementQueueController {
  constructor(private readonly views: ViewReader) {}

  /** People with a permit who have not settled, longest wait first. */
  @Get()
  async list(@Query() query: Record<string, unknown>, @Req() request: Request, @CurrentPrincipal() claims: Principal) {
    const reader = readerFor(claims, 'read-views', 'Views are read by caseworkers of a reporting agency, municipality or region.');
    // The queue is built from permits, assignments and settlements: only readers that see all three.
    if (!['ResidencePermitGranted', 'MunicipalityAssigned', 'SettledInMunicipality'].every((t) => sees(reader.actor.kind, t))) {
      throw new ProblemError('not-permitted', 'The settlement queue shows permits and assignments, which your agency does not see.');
    }
    const { limit, after } = parsePage(query, isStringTuple(2));
    const { settlement_queue: table } = await this.views.tables('settlement_queue');
    const scope = scopeClause(reader.actor);
    const params: unknown[] = [...scope.params];
    let where = `listed = 1 AND ${scope.sql}`;
    if (after) {
      params.push(after[0], after[1]);
      where += ` AND (permit_at > $${params.length - 1} OR (permit_at = $${params.length - 1} AND person_id > $${params.length}))`;
    }
    params.push(limit + 1);
    const rows = await this.views.query<Row>(
      `SELECT person_id, permit_at, detail, residence_municipality FROM ${table} WHERE ${where} ORDER BY permit_at, person_id LIMIT $${params.length}`,
      params,
    );
    const now = Date.now();
    const { items, nextCursor } = page(rows, limit, (r) => [r.permit_at, r.person_id]);
    await this.views.auditListed(reader, 'settlement-queue', ROUTE, request, items.map((r) => r.person_id));
    return {
      items: items.map((r) => {
        const d = JSON.parse(r.detail) as SettlementQueueDetail;
        return {
          personId: r.person_id,
          permitDate: d.permitAt.slice(0, 10),
          permitType: d.permitType,
          daysWaiting: daysFrom(d.permitAt, now),
          assignedMunicipalityCode: d.assignedMunicipalityCode,
          assignmentDate: d.assignedAt ? d.assignedAt.slice(0, 10) : null,
          receptionHousing: d.receptionHousing,
          municipalityCode: r.residence_municipality,
        };
      }),
      nextCursor,
    };
  }
}
