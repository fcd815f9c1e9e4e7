export type {
  AnalyticsEvent,
  AttributeKey,
  Cohort,
  EncodedHistory,
  EpisodeQuery,
  Histories,
  PersonAttributes,
  PersonHistory,
} from './types';
export { ATTRIBUTE_KEYS, CLOSURE_REASONS } from './types';
export { parseTime } from './time';
export { AGE_BAND_LABELS, ageBand } from './episodes/attributes';
export { buildEpisode, EpisodeEvaluator, type Episode } from './episodes/episode';
export { visibleEvents } from './episodes/visible-events';
export {
  DEFAULT_HORIZONS,
  kaplanMeier,
  kaplanMeierFromCounts,
  shareByHorizon,
  type ConfidenceInterval,
  type HorizonShare,
  type KaplanMeierResult,
  type KaplanMeierRow,
  type SurvivalObservation,
} from './kaplan-meier/kaplan-meier';
export { QUANTILE_TOLERANCE, stepQuantiles, survivalQuantiles, type SurvivalQuantile } from './kaplan-meier/quantile';
export { aalenJohansen, type AalenJohansenResult, type CauseIncidence, type IncidenceRow } from './competing-risks/aalen-johansen';
export { chiSquareUpperTail, logRankTest, type LogRankCell, type LogRankTest } from './log-rank/log-rank';
export {
  timeToEvent,
  TimeToEventAccumulator,
  type CumulativeIncidence,
  type GroupKey,
  type LogRankAnswer,
  type StratifiedLogRank,
  type TimeToEventGroup,
  type TimeToEventQuery,
  type TimeToEventResult,
} from './time-to-event/time-to-event';
export { compareAsOf, type AsOfComparison, type GroupDifference, type PersonChanges } from './time-to-event/compare-as-of';
export type { Cell, Column, ColumnType, TableSink } from './export/table-sink';
export { csvField, csvSink } from './export/csv-sink';
export { parquetSink, type ParquetSinkOptions } from './export/parquet-sink';
export { createPseudonymiser, type Pseudonymiser } from './export/pseudonym';
export {
  EPISODE_COLUMNS,
  EVENT_COLUMNS,
  exportEpisodes,
  exportEvents,
  redactData,
  type EpisodeExportQuery,
  type ExportOptions,
  type ExportSummary,
} from './export/exports';
