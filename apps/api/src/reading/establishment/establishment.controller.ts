import { Controller, Get, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import { ProblemError } from '../../problems/problem';
import { readerFor } from '../reader';
import { page, parsePage } from '../paging';
import { isStringTuple, scopeClause, sees, ViewReader } from '../views/view-reader';
import type { EstablishmentDetail } from '../views/read-models';

const ROUTE = 'GET /v1/views/establishment';
const DAY_MS = 86_400_000;

interface Row {
  person_id: string;
  planned_end: string;
  detail: string;
  residence_municipality: string | null;
}

@Controller('v1/views/establishment')
export class EstablishmentController {
  constructor(private readonly views: ViewReader) {}

  /** Active programme participants, nearest planned end first, with what they are doing now. */
  @Get()
  async list(@Query() query: Record<string, unknown>, @Req() request: Request, @CurrentPrincipal() claims: Principal) {
    const reader = readerFor(claims, 'read-views', 'Views are read by caseworkers of a reporting agency, municipality or region.');
    const kind = reader.actor.kind;
    if (!sees(kind, 'EstablishmentProgrammeStarted')) {
      throw new ProblemError('not-permitted', 'The establishment view shows the establishment programme, which your agency does not see.');
    }
    const { limit, after } = parsePage(query, isStringTuple(2));
    const { establishment: table } = await this.views.tables('establishment');
    const scope = scopeClause(reader.actor);
    const params: unknown[] = [...scope.params];
    let where = `listed = 1 AND ${scope.sql}`;
    if (after) {
      params.push(after[0], after[1]);
      where += ` AND (planned_end > $${params.length - 1} OR (planned_end = $${params.length - 1} AND person_id > $${params.length}))`;
    }
    params.push(limit + 1);
    const rows = await this.views.query<Row>(
      `SELECT person_id, planned_end, detail, residence_municipality FROM ${table} WHERE ${where} ORDER BY planned_end, person_id LIMIT $${params.length}`,
      params,
    );
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    const { items, nextCursor } = page(rows, limit, (r) => [r.planned_end, r.person_id]);
    await this.views.auditListed(reader, 'establishment', ROUTE, request, items.map((r) => r.person_id));
    return {
      items: items.map((r) => {
        const d = JSON.parse(r.detail) as EstablishmentDetail;
        return {
          personId: r.person_id,
          municipalityCode: r.residence_municipality,
          startedAt: d.startedAt,
          plannedEndDate: d.plannedEndDate,
          daysLeft: Math.round((Date.parse(d.plannedEndDate) - today) / DAY_MS),
          // Each activity only if the caller may see the event that opened it (Försäkringskassan sees none).
          activities: d.activities.filter((a) => sees(kind, a.type)).map((a) => ({ kind: a.kind, since: a.since, ...a.details })),
        };
      }),
      nextCursor,
    };
  }
}
