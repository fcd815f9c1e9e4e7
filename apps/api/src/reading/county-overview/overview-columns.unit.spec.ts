import { visibleFields, type ActorKind } from '@kedja/access';
import { ANOMALY_CODES, GAP_CODES, GAP_EVIDENCE } from '../views/read-models';
import { ANOMALY_EVIDENCE, OVERVIEW_COLUMN_EVIDENCE, overviewVisibility, type OverviewColumn } from './overview-columns';

// Every actor kind that may read the overview (overviewScope in @kedja/access).
const READERS: readonly ActorKind[] = ['county', 'region', 'municipality', 'migrationsverket', 'skatteverket', 'arbetsformedlingen', 'forsakringskassan'];
const COLUMNS = Object.keys(OVERVIEW_COLUMN_EVIDENCE) as (keyof typeof OVERVIEW_COLUMN_EVIDENCE)[];

// The policy itself, asked directly: what the actor's timeline would show.
const timelineShows = (kind: ActorKind, type: string) => visibleFields(kind, type) !== null;

describe('county overview columns: only facts the reader may see (Amendments v1.1)', () => {
  it.each(READERS.filter((k) => k !== 'county'))('%s gets a column only if its timeline shows every event the column rests on', (kind) => {
    const { hidden, gapCodes, anomalyCodes } = overviewVisibility(kind);
    for (const column of COLUMNS) {
      expect([column, hidden.includes(column)]).toEqual([column, !OVERVIEW_COLUMN_EVIDENCE[column].every((t) => timelineShows(kind, t))]);
    }
    expect(gapCodes).toEqual(GAP_CODES.filter((code) => GAP_EVIDENCE[code].every((t) => timelineShows(kind, t))));
    expect(hidden.includes('openGaps')).toBe(gapCodes.length === 0);
    expect(anomalyCodes).toEqual(ANOMALY_CODES.filter((code) => ANOMALY_EVIDENCE[code].every((t) => timelineShows(kind, t))));
  });

  // The cases "Who sees what" makes plain, so that an evidence list emptied by mistake fails too.
  it.each<[ActorKind, OverviewColumn[]]>([
    ['county', []],
    ['municipality', []],
    ['arbetsformedlingen', []],
    ['region', ['assigned', 'medianDays.permitToSettlement', 'medianDays.settlementToSfi', 'medianDays.settlementToWork', 'openGaps']],
    ['forsakringskassan', ['assigned', 'medianDays.settlementToSfi', 'medianDays.settlementToWork']],
    ['migrationsverket', ['medianDays.settlementToSfi', 'medianDays.settlementToWork']],
    ['skatteverket', ['received', 'assigned', 'medianDays.permitToSettlement', 'medianDays.settlementToSfi', 'medianDays.settlementToWork', 'openGaps']],
  ])('%s: hidden %j', (kind, expected) => {
    expect([...overviewVisibility(kind).hidden].sort()).toEqual([...expected].sort());
  });

  it('keeps every gap and anomaly for the county board, whose aggregates they are', () => {
    expect(overviewVisibility('county')).toEqual({ hidden: [], gapCodes: GAP_CODES, anomalyCodes: ANOMALY_CODES });
  });

  it('names only catalogue event types as evidence', () => {
    const types = [...Object.values(OVERVIEW_COLUMN_EVIDENCE), ...Object.values(ANOMALY_EVIDENCE)].flat();
    for (const type of types) expect(['migrationsverket', 'municipality', 'region', 'skatteverket', 'arbetsformedlingen'].some((k) => timelineShows(k as ActorKind, type))).toBe(true);
  });
});
