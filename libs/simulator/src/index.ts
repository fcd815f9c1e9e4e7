export { simulate, stories, resolveOptions, DEFAULT_NOW, DEFAULT_BUFFER_LIMIT } from './stream';
export type { SimulationOptions, SimulationStats, ResolvedOptions } from './stream';
export type { CloudEventJson } from './cloud-event';
export type { PersonFacts, PersonStory } from './person';
export { allocate, arrivals, yearWeights } from './arrivals';
export * as calibration from './calibration';
