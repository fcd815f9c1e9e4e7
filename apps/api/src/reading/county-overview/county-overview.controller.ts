import { Controller, Get, Inject, Param } from '@nestjs/common';
import { controlCount, controlOverviewRow, isNationalAgency, overviewScope, principalFromClaims, type MedianInput } from '@kedja/access';
import { isCountyCode, municipalitiesInCounty } from '@kedja/chain';
import { CurrentPrincipal, type Principal } from '../../auth/principal';
import type { KedjaConfig } from '../../config/config';
import { KEDJA_CONFIG } from '../../runtime/tokens';
import { ProblemError } from '../../problems/problem';
import { ViewReader } from '../views/view-reader';
import { ANOMALY_CODES, isPastThreshold, type AnomalyCode, type OverviewDetail } from '../views/read-models';
import { GAP_THRESHOLDS, type GapThresholds } from '../views/thresholds';
import { overviewVisibility } from './overview-columns';

interface Row {
  municipality_code: string;
  detail: string;
}

const DAY_MS = 86_400_000;
const SETTLEMENT_CLAIM: AnomalyCode = 'settlement-without-assignment-or-registration';

/** The median and how many people it is computed from (disclosure control needs both). */
function median(values: number[]): MedianInput {
  if (values.length === 0) return { value: null, from: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return { value: sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2, from: sorted.length };
}

/** The row with the columns the reader may not see set to null (paths such as `received` or `medianDays.settlementToSfi`). */
function hideColumns<T extends object>(row: T, hidden: readonly string[]): T {
  const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  for (const path of hidden) {
    const [head, leaf] = path.split('.');
    out[head] = leaf === undefined ? null : { ...(out[head] as Record<string, unknown>), [leaf]: null };
  }
  const fields = out.suppressedFields as string[] | undefined;
  if (fields) {
    const kept = fields.filter((f) => !hidden.some((h) => f === h || f.startsWith(`${h}.`)));
    if (kept.length > 0) out.suppressedFields = kept;
    else {
      delete out.suppressedFields;
      delete out.suppressed;
    }
  }
  return out as T;
}

/** Whole days from one step to the next, when both happened and in that order. */
function span(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  const days = Math.floor((Date.parse(to) - Date.parse(from)) / DAY_MS);
  return days >= 0 ? days : null;
}

@Controller('v1/views/counties')
export class CountyOverviewController {
  constructor(
    private readonly views: ViewReader,
    @Inject(GAP_THRESHOLDS) private readonly thresholds: GapThresholds,
    @Inject(KEDJA_CONFIG) private readonly config: KedjaConfig,
  ) {}

  /**
   * Aggregates per municipality of the county; no person is listed, so nothing person-level is
   * audited. People count where they were received (first settlement), or else where they are
   * assigned or live; open gaps where the person is now; `assigned` counts every assignment to the municipality, so received can be
   * compared with assigned (Länsstyrelsen's question).
   */
  @Get(':lanskod/overview')
  async overview(@Param('lanskod') countyCode: string, @CurrentPrincipal() claims: Principal) {
    if (!isCountyCode(countyCode)) throw new ProblemError('invalid-request', 'länskod must be a county code.', [{ path: 'länskod', message: 'is not a länskod' }]);
    const parsed = principalFromClaims(claims);
    const scope = parsed.ok ? overviewScope(parsed.principal, countyCode) : 'none';
    if (scope === 'none') throw new ProblemError('not-permitted', "The overview is read by the county's board and region, the national agencies, and a municipality for its own row.");
    const kind = parsed.ok ? parsed.principal.actor.kind : 'analyst';
    const visibility = overviewVisibility(kind);
    // A column resting on facts the caller's timeline would not show is null, and named in `hidden`.
    const { county_overview: table } = await this.views.tables('county_overview');
    const rows = await this.views.query<Row>(
      `SELECT municipality_code, detail FROM ${table} WHERE listed = 1 AND (county_code = $1 OR assigned_county = $1 OR current_county = $1)`,
      [countyCode],
    );
    const people = rows.map((r) => ({ municipalityCode: r.municipality_code, ...(JSON.parse(r.detail) as OverviewDetail) }));
    const now = Date.now();
    const municipalities = municipalitiesInCounty(countyCode)
      .filter((m) => scope === 'all' || m.code === scope.municipalityCode)
      .map((m) => {
        const own = people.filter((p) => p.municipalityCode === m.code);
        const received = own.filter((p) => p.settledAt !== null);
        const steps = (pick: (p: (typeof own)[number]) => number | null) => median(received.map(pick).filter((d): d is number => d !== null));
        const openGaps = people
          .filter((p) => p.currentMunicipalityCode === m.code)
          // Only the gaps the chain-gaps view would list to this reader (a region sees no "no SFI").
          .map((p) => p.gaps.filter((g) => visibility.gapCodes.includes(g.code) && isPastThreshold(g, this.thresholds[g.code], now)).length)
          .filter((n) => n > 0);
        // Disclosure control (@kedja/access controlOverviewRow): no cell describes 1 to k − 1 people.
        const row = controlOverviewRow(
          {
            people: own.length,
            received: {
              total: received.length,
              assigned: received.filter((p) => p.arrangement === 'assigned').length,
              selfArranged: received.filter((p) => p.arrangement === 'self-arranged').length,
            },
            assigned: people.filter((p) => p.assignedMunicipalityCode === m.code).length,
            medianDays: {
              permitToSettlement: steps((p) => span(p.permitAt, p.settledAt)),
              settlementToSfi: steps((p) => span(p.settledAt, p.sfiAt)),
              settlementToWork: steps((p) => span(p.settledAt, p.workAt)),
            },
            openGaps: { gaps: openGaps.reduce((a, b) => a + b, 0), people: openGaps.length },
          },
          this.config.minCell,
        );
        // Then the columns this reader may not see at all: null, named once in `hidden` (not in
        // the row's suppressedFields, which are about small numbers).
        return { municipalityCode: m.code, name: m.name, ...hideColumns(row, visibility.hidden) };
      });
    const body: Record<string, unknown> = { countyCode, disclosure: { minCell: this.config.minCell }, hidden: visibility.hidden, municipalities };
    // County boards and national agencies follow every anomaly up; a municipality only the
    // settlement claims made about people it holds (Amendments v1.1), counted on its own row.
    const national = kind === 'county' || isNationalAgency(kind);
    if (national || kind === 'municipality') {
      const codes = (national ? ANOMALY_CODES : ANOMALY_CODES.filter((code) => code === SETTLEMENT_CLAIM)).filter((code) => visibility.anomalyCodes.includes(code));
      const anomalies: { code: AnomalyCode; municipalityCode: string; count: number | null; suppressed?: true }[] = [];
      for (const m of municipalities) {
        for (const code of codes) {
          const attributed = (p: (typeof people)[number]) => (code === SETTLEMENT_CLAIM ? p.holdingMunicipalityCode : p.municipalityCode) === m.municipalityCode;
          const count = people.filter((p) => attributed(p) && p.anomalies.includes(code)).length;
          if (count > 0) anomalies.push({ code, municipalityCode: m.municipalityCode, ...controlCount(count, this.config.minCell) });
        }
      }
      body.anomalies = anomalies;
    }
    return body;
  }
}
