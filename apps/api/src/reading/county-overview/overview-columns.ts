import type { ActorKind } from '@kedja/access';
import { sees } from '../views/view-reader';
import { ANOMALY_CODES, GAP_CODES, GAP_EVIDENCE, type AnomalyCode, type GapCode } from '../views/read-models';

/**
 * Amendments v1.1 "Views show only facts the caller may see", for the county overview: each
 * column rests on event types, and a reader gets the column only if its timeline would show every
 * one of them (the policy of @kedja/access, through `sees`, so this cannot drift from the table).
 * A median settlement→SFI tells about SFI enrolments, which a region or Försäkringskassan may not
 * see; "received" tells about settlements, which Skatteverket may not see.
 */
export const OVERVIEW_COLUMN_EVIDENCE = {
  received: ['SettledInMunicipality'],
  assigned: ['MunicipalityAssigned'],
  'medianDays.permitToSettlement': ['ResidencePermitGranted', 'SettledInMunicipality'],
  'medianDays.settlementToSfi': ['SettledInMunicipality', 'SfiEnrolled'],
  'medianDays.settlementToWork': ['SettledInMunicipality', 'EmploymentStarted'],
} as const satisfies Record<string, readonly string[]>;

export type OverviewColumn = keyof typeof OVERVIEW_COLUMN_EVIDENCE | 'openGaps';

/** The event types each anomaly is built from (anomaliesOf and settlementClaims in @kedja/projections). */
export const ANOMALY_EVIDENCE: Readonly<Record<AnomalyCode, readonly string[]>> = {
  'work-without-settlement': ['EmploymentStarted', 'BusinessStarted', 'SettledInMunicipality', 'PopulationRegistered'],
  'permit-before-case-opened': ['ResidencePermitGranted', 'MigrationCaseOpened'],
  'settlement-without-permit': ['SettledInMunicipality', 'ResidencePermitGranted', 'MigrationCaseOpened'],
  'programme-without-permit': ['EstablishmentProgrammeStarted', 'ResidencePermitGranted'],
  'settlement-without-assignment-or-registration': ['SettledInMunicipality', 'MunicipalityAssigned', 'PopulationRegistered'],
};

export interface OverviewVisibility {
  /** Columns answered as `null` and listed in the body's `hidden`. */
  readonly hidden: readonly OverviewColumn[];
  /** The gap codes `openGaps` counts (the ones the chain-gaps view would list to this reader). */
  readonly gapCodes: readonly GapCode[];
  readonly anomalyCodes: readonly AnomalyCode[];
}

/**
 * What of the overview an actor kind may be told. County boards see no person-level timeline, and
 * the aggregates of their county are theirs (CONTRACT.md "Who sees what"): they keep every column.
 */
export function overviewVisibility(kind: ActorKind): OverviewVisibility {
  if (kind === 'county') return { hidden: [], gapCodes: GAP_CODES, anomalyCodes: ANOMALY_CODES };
  const seesAll = (types: readonly string[]) => types.every((type) => sees(kind, type));
  const hidden: OverviewColumn[] = (Object.keys(OVERVIEW_COLUMN_EVIDENCE) as (keyof typeof OVERVIEW_COLUMN_EVIDENCE)[]).filter(
    (column) => !seesAll(OVERVIEW_COLUMN_EVIDENCE[column]),
  );
  const gapCodes = GAP_CODES.filter((code) => seesAll(GAP_EVIDENCE[code]));
  if (gapCodes.length === 0) hidden.push('openGaps');
  return { hidden, gapCodes, anomalyCodes: ANOMALY_CODES.filter((code) => seesAll(ANOMALY_EVIDENCE[code])) };
}
