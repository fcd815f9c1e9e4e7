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
}
