export * from './person-history';
export * from './person-fold';
export * from './person-table';
export * from './gaps';
export * from './settlement-queue';
export * from './establishment';
export * from './residents';
export * from './chain-gaps';
export * from './county-overview';

import type { Projection } from '../projection';
import { settlementQueueProjection } from './settlement-queue';
import { establishmentProjection } from './establishment';
import { residentsProjection } from './residents';
import { chainGapsProjection } from './chain-gaps';
import { countyOverviewProjection } from './county-overview';

/** The reading side's read models, one per question of CONTRACT.md "Reading". */
export const READ_MODELS: readonly Projection[] = [
  settlementQueueProjection,
  establishmentProjection,
  residentsProjection,
  chainGapsProjection,
  countyOverviewProjection,
];
