import { holdingMunicipality, settlementClaims, type PersonFacts } from '@kedja/chain';
import { personViewProjection, type PersonViewSpec } from './person-table';
import { openGaps, type GapAnchor } from './gaps';

export const ANOMALY_CODES = [
  'work-without-settlement', 'permit-before-case-opened', 'settlement-without-permit', 'programme-without-permit',
  'settlement-without-assignment-or-registration',
] as const;
export type AnomalyCode = (typeof ANOMALY_CODES)[number];

/**
 * Facts from different agencies are not checked against each other when recorded (CONTRACT.md
 * "Recording rules"); these are the oddities that shows up as, for the county's data follow-up.
 */
export function anomaliesOf(f: PersonFacts): AnomalyCode[] {
  const found: AnomalyCode[] = [];
  if ((f.firstEmploymentAt || f.business) && !f.firstSettledAt && !f.populationRegisteredAt) found.push('work-without-settlement');
  // Resettled refugees arrive with a permit, so their case may legitimately open after it.
  if (f.firstPermitAt && f.caseOpenedAt && f.route !== 'resettlement' && Date.parse(f.firstPermitAt) < Date.parse(f.caseOpenedAt)) found.push('permit-before-case-opened');
  if (f.firstSettledAt && !f.firstPermitAt && f.caseOpenedAt) found.push('settlement-without-permit');
  if (f.programme.firstStartedAt && !f.firstPermitAt) found.push('programme-without-permit');
  return found;
}

export interface OverviewDetail {
  readonly permitAt: string | null;
  readonly settledAt: string | null;
  readonly arrangement: string | null;
  readonly sfiAt: string | null;
  readonly workAt: string | null;
  readonly assignedMunicipalityCode: string | null;
  /** Where the person is now (residence, else open assignment): open gaps count there. */
  readonly currentMunicipalityCode: string | null;
  readonly gaps: readonly GapAnchor[];
  readonly anomalies: readonly AnomalyCode[];
  /**
   * The municipality holding the person (Amendments v1.1): a settlement claim by another
   * municipality is counted here, for the holder to follow up, not where the person was received.
   */
  readonly holdingMunicipalityCode?: string | null;
}

/**
 * One row per person, attributed to the municipality that received them (first settlement), or
 * else the one they are assigned to or live in; their open gaps count where they are now, since
 * that municipality is the one to act. The county overview aggregates these at read time.
 */
export const countyOverviewSpec: PersonViewSpec = {
  name: 'county_overview',
  // 2: histories stored as arrays per event, without the actor. 3: no history column (people
  // are refolded from the log).
  // 4: placement columns by the scope rule of Amendments v1.1 (registration outranks settlement; claims list no one).
  version: 4,
  table: 'county_overview',
  columns: [
    { name: 'municipality_code', type: 'TEXT' },
    { name: 'county_code', type: 'TEXT' },
    { name: 'assigned_county', type: 'TEXT' },
    { name: 'current_county', type: 'TEXT' },
  ],
  indexes: ['county_code', 'assigned_county', 'current_county'],
  // The overview filters by the county columns only.
  placementIndexes: false,
  derive(f, history) {
    const firstSettlement = f.municipalityHistory.find((l) => l.link === 'settled');
    const municipality = firstSettlement?.municipalityCode ?? f.municipalityCode;
    if (!municipality) return null;
    const links = f.municipalityHistory;
    const current = f.residenceMunicipalityCode ?? (links[links.length - 1]?.link === 'assigned' ? links[links.length - 1].municipalityCode : null);
    const detail: OverviewDetail = {
      permitAt: f.firstPermitAt ?? null,
      settledAt: f.firstSettledAt ?? null,
      arrangement: f.municipalityHistory.length > 0 && firstSettlement ? (history.find((e) => e.type === 'SettledInMunicipality' && e.time === firstSettlement.at)?.data.arrangement as string | undefined) ?? f.settled?.arrangement ?? null : null,
      sfiAt: f.sfi.firstEnrolledAt ?? null,
      workAt: f.firstEmploymentAt ?? null,
      assignedMunicipalityCode: f.assigned?.municipalityCode ?? null,
      currentMunicipalityCode: current,
      gaps: openGaps(f, history),
      anomalies: settlementClaims(history).length > 0 ? [...anomaliesOf(f), 'settlement-without-assignment-or-registration'] : anomaliesOf(f),
      holdingMunicipalityCode: holdingMunicipality(history) ?? null,
    };
    return {
      columns: {
        municipality_code: municipality,
        county_code: municipality.slice(0, 2),
        assigned_county: f.assigned?.municipalityCode.slice(0, 2) ?? null,
        current_county: current?.slice(0, 2) ?? null,
      },
      detail,
    };
  },
};

export const countyOverviewProjection = personViewProjection(countyOverviewSpec);
