import type { Projection } from './projection';
import { READ_MODELS } from './read-models';
import { analyticsHistoriesProjection } from './read-models/analytics';

/**
 * Every projection the product runs, in one place: the projector process, the embedded api and
 * `kedja projections` all take their list from here. Add a read model by appending it.
 */
export const PROJECTIONS: Projection[] = [...READ_MODELS, analyticsHistoriesProjection];
