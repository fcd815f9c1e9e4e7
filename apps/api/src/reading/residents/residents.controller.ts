import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { isMunicipalityCode } from '@kedja/chain';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import { ProblemError } from '../../problems/problem';
import { readerFor } from '../reader';
import { page, parsePage } from '../paging';
import { isStringTuple, scopeClause, sees, shifted, ViewReader } from '../views/view-reader';
import { STEP_EVIDENCE, type ResidentDetail } from '../views/read-models';

const ROUTE = 'GET /v1/views/municipalities/{kommunkod}/residents';

interface Row {
  person_id: string;
  detail: string;
  residence_municipality: string | null;
  open_assignment: string | null;
}

@Controller('v1/views/municipalities')
export class ResidentsController {
  constructor(private readonly views: ViewReader) {}

  /** The municipality's people (living there or assigned to it) and the status of each step. */
  @Get(':kommunkod/residents')
  async list(@Param('kommunkod') code: string, @Query() query: Record<string, unknown>, @Req() request: Request, @CurrentPrincipal() claims: Principal) {
    const reader = readerFor(claims, 'read-views', 'Views are read by caseworkers of a reporting agency, municipality or region.');
    if (!isMunicipalityCode(code)) throw new ProblemError('invalid-request', 'kommunkod must be a municipality code.', [{ path: 'kommunkod', message: 'is not a kommunkod of the SCB list' }]);
    const actor = reader.actor;
    if (actor.kind === 'municipality' && actor.municipalityCode !== code) throw new ProblemError('not-permitted', 'A municipality reads only its own residents.');
    if (actor.kind === 'region' && actor.countyCode !== code.slice(0, 2)) throw new ProblemError('not-permitted', 'A region reads only the municipalities of its county.');
    const { limit, after } = parsePage(query, isStringTuple(1));
    const { municipality_residents: table } = await this.views.tables('municipality_residents');
    const scope = scopeClause(actor);
    const params: unknown[] = [code, ...scope.params];
    // Amendments v1.1 "Views show only facts the caller may see": an open assignment is a
    // MunicipalityAssigned fact, and a residence rests on a settlement or a registration; a reader
    // is told of each only if its timeline would show the event.
    const seesAssignment = sees(actor.kind, 'MunicipalityAssigned');
    const seesSettlement = sees(actor.kind, 'SettledInMunicipality');
    let where = `listed = 1 AND ${seesAssignment ? '(residence_municipality = $1 OR open_assignment = $1)' : 'residence_municipality = $1'} AND ${shifted(scope, 1)}`;
    if (after) {
      params.push(after[0]);
      where += ` AND person_id > $${params.length}`;
    }
    params.push(limit + 1);
    const rows = await this.views.query<Row>(
      `SELECT person_id, detail, residence_municipality, open_assignment FROM ${table} WHERE ${where} ORDER BY person_id LIMIT $${params.length}`,
      params,
    );
    const { items, nextCursor } = page(rows, limit, (r) => [r.person_id]);
    await this.views.auditListed(reader, 'municipality-residents', ROUTE, request, items.map((r) => r.person_id));
    return {
      municipalityCode: code,
      // A reader that sees registrations but not settlements (Skatteverket) is not told of a
      // residence resting on a settlement alone.
      items: items.map((r) => ({ r, d: JSON.parse(r.detail) as ResidentDetail })).filter(({ r, d }) => seesSettlement || r.residence_municipality !== code || d.registeredIn === code).map(({ r, d }) => {
        const steps = Object.fromEntries(
          (Object.keys(STEP_EVIDENCE) as (keyof ResidentDetail['steps'])[]).map((step) => [step, sees(actor.kind, STEP_EVIDENCE[step]) ? d.steps[step] : null]),
        );
        return {
          personId: r.person_id,
          relation: r.residence_municipality === code ? 'resident' : 'assigned',
          ...(seesSettlement ? { anomalies: d.anomalies ?? [] } : {}),
          settledAt: seesSettlement ? d.settledAt : null,
          arrangement: seesSettlement ? d.arrangement : null,
          steps,
        };
      }),
      nextCursor,
    };
  }
}
