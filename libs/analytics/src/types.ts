export interface AnalyticsEvent {
  readonly eventId: string;
  readonly source: string;
  readonly type: string;
  /** Event time, RFC 3339 with offset. */
  readonly time: string;
  /** When the fact became known (RFC 3339); falls back to `time` when absent. */
  readonly recordedTime?: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface PersonHistory {
  readonly personId: string;
  readonly events: readonly AnalyticsEvent[];
}

/**
 * A person's history in a store's compact form, read through accessors so that no object per
 * event is built (the analytics projection's `facts` column is one). It means exactly what the
 * PersonHistory with these events would: event i has id i (one source for the whole history),
 * and a retraction names its target by position.
 */
export interface EncodedHistory {
  readonly length: number;
  /** What the codes index; the same array for every history of one reader (roles are cached by it). */
  readonly types: readonly string[];
  /** Event i's type as an index into `types`, or -1 when its type is not there (see typeName). */
  code(i: number): number;
  typeName(i: number): string;
  /** Event time in epoch ms as parseTime reads the reported text: NaN when it is not a time. */
  time(i: number): number;
  /** Recorded time in epoch ms; the event time when the source gave none. */
  recorded(i: number): number;
  /** For an EventRetracted: the position of the event it retracts. */
  retractionTarget(i: number): number;
  /** Data field `name` of event i when it is a string or a number, else null. */
  data(i: number, name: string): string | number | null;
}

export type Histories = Iterable<PersonHistory> | AsyncIterable<PersonHistory>;

export const ATTRIBUTE_KEYS = [
  'year',
  'countyCode',
  'municipalityCode',
  'gender',
  'route',
  'ageBand',
  'highestEducation',
] as const;

export type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];

export interface PersonAttributes {
  year: number | null;
  countyCode: string | null;
  municipalityCode: string | null;
  gender: string | null;
  route: string | null;
  ageBand: string | null;
  highestEducation: string | null;
}

type OneOrMany<T> = T | readonly T[];

export interface Cohort {
  readonly year?: OneOrMany<number>;
  readonly countyCode?: OneOrMany<string>;
  readonly municipalityCode?: OneOrMany<string>;
  readonly gender?: OneOrMany<string>;
  readonly route?: OneOrMany<string>;
  readonly ageBand?: OneOrMany<string>;
  readonly highestEducation?: OneOrMany<string>;
}

export interface EpisodeQuery {
  /** Event type that starts the clock (its first occurrence). */
  readonly from: string;
  /** Event type(s) that stop the clock (first occurrence of any, at or after the start). */
  readonly to: string | readonly string[];
  /**
   * Competing exits: event types, or reasons of a MigrationCaseClosed (`left-sweden`, …), each a
   * cause of its own. The first exit of any kind ends the episode; `to` wins a tie at one instant.
   */
  readonly competing?: readonly string[];
}

/** The reasons a migration case closes (@kedja/chain CaseClosureReason), usable as competing exits. */
export const CLOSURE_REASONS: readonly string[] = ['left-sweden', 'withdrawn', 'deceased', 'citizenship', 'other'];
