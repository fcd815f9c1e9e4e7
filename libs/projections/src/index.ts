export type { Projection, ProjectionBuilder } from './projection';
export { physicalTables, validateProjection } from './projection';
export { ProjectionRunner, OwnershipLostError, readActiveTables } from './runner/projection-runner';
export type { ProjectionRunnerOptions, ProjectionStatus, RebuildProgress } from './runner/projection-runner';
export { ensureProjectionSchema } from './runner/projection-schema';
export { PROJECTIONS } from './registry';
