import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import { ProblemError } from '../../problems/problem';
import { readerFor } from '../reader';
import { page, parsePage } from '../paging';
import { isStringTuple, scopeClause, sees, ViewReader } from '../views/view-reader';
import { GAP_CODES, GAP_EVIDENCE, anchorCutoff, gapAge, type GapCode } from '../views/read-models';
import { GAP_THRESHOLDS, type GapThresholds } from '../views/thresholds';

const ROUTE = 'GET /v1/views/chain-gaps';

interface Row {
  person_id: string;
  code: GapCode;
  anchor: string;
  residence_municipality: string | null;
  open_assignment: string | null;
}

@Controller('v1/views/chain-gaps')
export class ChainGapsController {
  constructor(
    private readonly views: ViewReader,
    @Inject(GAP_THRESHOLDS) private readonly thresholds: GapThresholds,
  ) {}

  /**
   * Open hand-offs past their threshold, oldest first. A caller sees only the gap codes whose
   * evidence it may see (a gap "no SFI" tells about SFI), optionally narrowed with `?gap=<code>`.
   */
  @Get()
  async list(@Query() query: Record<string, unknown>, @Req() request: Request, @CurrentPrincipal() claims: Principal) {
    const reader = readerFor(claims, 'read-views', 'Views are read by caseworkers of a reporting agency, municipality or region.');
    // An open assignment is a MunicipalityAssigned fact: named only to readers whose timeline shows it.
    const seesAssignment = sees(reader.actor.kind, 'MunicipalityAssigned');
    const visible = GAP_CODES.filter((code) => GAP_EVIDENCE[code].every((type) => sees(reader.actor.kind, type)));
    if (visible.length === 0) throw new ProblemError('not-permitted', 'Your agency sees none of the facts the chain gaps are built from.');
    let codes: readonly GapCode[] = visible;
    if (query.gap !== undefined) {
      if (typeof query.gap !== 'string' || !(GAP_CODES as readonly string[]).includes(query.gap)) {
        throw new ProblemError('invalid-request', `gap must be one of ${GAP_CODES.join(', ')}.`, [{ path: 'gap', message: 'is not a gap code' }]);
      }
      codes = visible.filter((c) => c === query.gap);
      if (codes.length === 0) throw new ProblemError('not-permitted', 'Your agency does not see the facts this gap is built from.');
    }
    const { limit, after } = parsePage(query, isStringTuple(3));
    const { chain_gaps: table } = await this.views.tables('chain_gaps');
    const now = Date.now();
    const scope = scopeClause(reader.actor);
    const params: unknown[] = [...scope.params];
    const due = codes.map((code) => {
      params.push(code, anchorCutoff(code, this.thresholds[code], now));
      return `(code = $${params.length - 1} AND anchor <= $${params.length})`;
    });
    let where = `${scope.sql} AND (${due.join(' OR ')})`;
    if (after) {
      params.push(...after);
      const [a, p, c] = [params.length - 2, params.length - 1, params.length];
      where += ` AND (anchor > $${a} OR (anchor = $${a} AND (person_id > $${p} OR (person_id = $${p} AND code > $${c}))))`;
    }
    params.push(limit + 1);
    const rows = await this.views.query<Row>(
      `SELECT person_id, code, anchor, residence_municipality, open_assignment FROM ${table} WHERE ${where} ORDER BY anchor, person_id, code LIMIT $${params.length}`,
      params,
    );
    const { items, nextCursor } = page(rows, limit, (r) => [r.anchor, r.person_id, r.code]);
    await this.views.auditListed(reader, 'chain-gaps', ROUTE, request, [...new Set(items.map((r) => r.person_id))]);
    return {
      items: items.map((r) => {
        const { since, daysOpen } = gapAge({ code: r.code, anchor: r.anchor }, this.thresholds[r.code], now);
        return { personId: r.person_id, gap: r.code, since, daysOpen, municipalityCode: r.residence_municipality ?? (seesAssignment ? r.open_assignment : null) };
      }),
      nextCursor,
    };
  }
}
