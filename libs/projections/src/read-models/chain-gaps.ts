import { personViewProjection, type PersonViewSpec } from './person-table';
import { openGaps, type GapAnchor } from './gaps';

/**
 * Every open hand-off per person, one child row each, whatever its age: the thresholds are read
 * at query time (they are settings, and "past the threshold" depends on today), so the SQL
 * filter is `anchor <= cutoff(code, now)`.
 */
export const chainGapsSpec: PersonViewSpec = {
  name: 'chain_gaps',
  // 2: histories stored as arrays per event, without the actor. 3: no history column (people
  // are refolded from the log).
  // 4: placement columns by the scope rule of Amendments v1.1 (registration outranks settlement; claims list no one).
  version: 4,
  table: 'chain_gap_persons',
  columns: [],
  indexes: [],
  // The view reads the child table (chain_gaps), never this one by placement.
  placementIndexes: false,
  derive(f, history) {
    const gaps = openGaps(f, history);
    return gaps.length === 0 ? null : { columns: {}, detail: gaps };
  },
  children: {
    table: 'chain_gaps',
    columns: [
      { name: 'code', type: 'TEXT' },
      { name: 'anchor', type: 'TEXT' },
      { name: 'residence_municipality', type: 'TEXT' },
      { name: 'open_assignment', type: 'TEXT' },
      { name: 'residence_county', type: 'TEXT' },
      { name: 'mandates', type: 'TEXT' },
    ],
    indexes: ['code, anchor', 'anchor, person_id, code'],
    rows(row) {
      const gaps = (row.derived?.detail ?? []) as GapAnchor[];
      return gaps.map((g) => ({
        code: g.code,
        anchor: g.anchor,
        residence_municipality: row.placement.residenceMunicipality,
        open_assignment: row.placement.openAssignment,
        residence_county: row.placement.residenceCounty,
        mandates: row.placement.mandates,
      }));
    },
  },
};

export const chainGapsProjection = personViewProjection(chainGapsSpec);
