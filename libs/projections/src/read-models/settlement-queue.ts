import { personViewProjection, type PersonViewSpec } from './person-table';
import { hasLeft } from './gaps';

export interface SettlementQueueDetail {
  readonly permitAt: string;
  readonly permitType: string;
  readonly assignedMunicipalityCode: string | null;
  readonly assignedAt: string | null;
  readonly receptionHousing: { readonly housingType: string; readonly municipalityCode: string } | null;
}

/**
 * People with a permit who have not settled: Migrationsverket's "who has a permit but is still in
 * our housing", a municipality's "who has been assigned to us and not yet arrived". The wait
 * counts from the first permit; a refusal after it, a settlement or leaving takes them off.
 */
export const settlementQueueSpec: PersonViewSpec = {
  name: 'settlement_queue',
  // 2: histories stored as arrays per event, without the actor. 3: no history column (people
  // are refolded from the log).
  // 4: placement columns by the scope rule of Amendments v1.1 (registration outranks settlement; claims list no one).
  version: 4,
  table: 'settlement_queue',
  columns: [{ name: 'permit_at', type: 'TEXT' }],
  indexes: ['listed, permit_at, person_id'],
  derive(f) {
    if (f.latestDecision !== 'granted' || !f.permit || !f.firstPermitAt || f.firstSettledAt || hasLeft(f)) return null;
    const links = f.municipalityHistory;
    const assignment = links[links.length - 1]?.link === 'assigned' ? f.assigned : undefined;
    const detail: SettlementQueueDetail = {
      permitAt: f.firstPermitAt,
      permitType: f.permit.permitType,
      assignedMunicipalityCode: assignment?.municipalityCode ?? null,
      assignedAt: assignment?.at ?? null,
      receptionHousing: f.receptionHousing ? { housingType: f.receptionHousing.housingType, municipalityCode: f.receptionHousing.municipalityCode } : null,
    };
    return { columns: { permit_at: f.firstPermitAt }, detail };
  },
};

export const settlementQueueProjection = personViewProjection(settlementQueueSpec);
