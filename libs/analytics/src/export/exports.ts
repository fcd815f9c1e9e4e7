import { compileCohort } from '../episodes/attributes';
import { EpisodeEvaluator, materialiseEpisode, parseAsOf } from '../episodes/episode';
import { visibleEvents } from '../episodes/visible-events';
import type { AnalyticsEvent, Cohort, EpisodeQuery, Histories, PersonHistory } from '../types';
import { createPseudonymiser, type Pseudonymiser } from './pseudonym';
import type { Cell, Column, TableSink } from './table-sink';

export interface ExportOptions {
  /** Pseudonym key; a fresh random one per export when absent (exports then cannot be linked). */
  readonly secret?: string | Uint8Array;
  /** What the product knew at this moment; defaults to `now`. */
  readonly asOf?: string;
  readonly now: string;
}

export interface ExportSummary {
  readonly persons: number;
  readonly rows: number;
}

/**
 * Health facts are special category data (GDPR art. 9) seen by the region alone (CONTRACT.md,
 * "Who sees what"); analysts never get them, not even pseudonymised.
 */
export function isExcludedType(type: string): boolean {
  return type.startsWith('HealthExamination') || type === 'EventRetracted';
}

/**
 * Fields that identify a person directly. `personalIdentityNumber` is the personnummer itself. A
 * sole trader's organisationsnummer is their personnummer (Skatteverket, enskild näringsidkare),
 * so `organisationNumber` (BusinessStarted) and `employer` (an employer may be a sole trader) go
 * too. EventRetracted is excluded as a whole because its `reason` is free text.
 */
const IDENTIFYING_FIELDS: ReadonlySet<string> = new Set(['personalIdentityNumber', 'organisationNumber', 'employer']);

export function redactData(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(data)) if (!IDENTIFYING_FIELDS.has(k)) out[k] = data[k];
  return out;
}

export const EVENT_COLUMNS: readonly Column[] = [
  { name: 'pseudonym', type: 'string', nullable: false },
  { name: 'type', type: 'string', nullable: false },
  { name: 'time', type: 'timestamp', nullable: false },
  { name: 'recordedTime', type: 'timestamp', nullable: true },
  { name: 'data', type: 'json', nullable: false },
];

export const EPISODE_COLUMNS: readonly Column[] = [
  { name: 'pseudonym', type: 'string', nullable: false },
  { name: 'year', type: 'int', nullable: true },
  { name: 'countyCode', type: 'string', nullable: true },
  { name: 'municipalityCode', type: 'string', nullable: true },
  { name: 'gender', type: 'string', nullable: true },
  { name: 'route', type: 'string', nullable: true },
  { name: 'ageBand', type: 'string', nullable: true },
  { name: 'highestEducation', type: 'string', nullable: true },
  { name: 'start', type: 'timestamp', nullable: false },
  { name: 'end', type: 'timestamp', nullable: false },
  { name: 'days', type: 'int', nullable: false },
  { name: 'event', type: 'int', nullable: false },
  { name: 'endType', type: 'string', nullable: true },
  { name: 'censoredBy', type: 'string', nullable: true },
];

async function each(histories: Histories, visit: (h: PersonHistory) => void | Promise<void>): Promise<void> {
  if (typeof (histories as AsyncIterable<PersonHistory>)[Symbol.asyncIterator] === 'function') {
    for await (const h of histories as AsyncIterable<PersonHistory>) {
      const p = visit(h);
      if (p) await p;
    }
  } else {
    for (const h of histories as Iterable<PersonHistory>) {
      const p = visit(h);
      if (p) await p;
    }
  }
}

/**
 * Every visible event of every person (as-of applied, retracted events removed), one row each,
 * pseudonymised and redacted. Event ids and sources are left out: agencies' ids can embed their
 * own case numbers.
 */
export async function exportEvents(histories: Histories, sink: TableSink, options: ExportOptions): Promise<ExportSummary> {
  const asOfMs = parseAsOf(options.asOf ?? options.now);
  const pseudonymiser = createPseudonymiser(options.secret);
  let persons = 0;
  let rows = 0;
  await sink.start(EVENT_COLUMNS);
  await each(histories, async (h) => {
    let pseudonym: string | null = null;
    for (const e of visibleEvents(h.events, asOfMs)) {
      if (isExcludedType(e.type)) continue;
      if (pseudonym === null) {
        pseudonym = pseudonymiser.pseudonym(h.personId);
        persons++;
      }
      rows++;
      const p = sink.row(eventRow(pseudonym, e));
      if (p) await p;
    }
  });
  await sink.finish();
  return { persons, rows };
}

function eventRow(pseudonym: string, e: AnalyticsEvent): Cell[] {
  return [pseudonym, e.type, e.time, e.recordedTime ?? null, JSON.stringify(redactData(e.data))];
}

export interface EpisodeExportQuery extends EpisodeQuery {
  readonly cohort?: Cohort;
}

/** One row per person with an episode: the same episodes timeToEvent estimates from. */
export async function exportEpisodes(
  histories: Histories,
  query: EpisodeExportQuery,
  sink: TableSink,
  options: ExportOptions,
): Promise<ExportSummary> {
  const asOf = options.asOf ?? options.now;
  const asOfMs = parseAsOf(asOf);
  const pseudonymiser: Pseudonymiser = createPseudonymiser(options.secret);
  const evaluator = new EpisodeEvaluator(query);
  const inCohort = compileCohort(query.cohort);
  let rows = 0;
  await sink.start(EPISODE_COLUMNS);
  await each(histories, (h) => {
    if (!evaluator.evaluate(h.events, asOfMs)) return;
    const ep = materialiseEpisode(evaluator, h, asOf);
    const a = ep.attributes;
    if (inCohort !== null && !inCohort(a)) return;
    rows++;
    return sink.row([
      pseudonymiser.pseudonym(h.personId),
      a.year,
      a.countyCode,
      a.municipalityCode,
      a.gender,
      a.route,
      a.ageBand,
      a.highestEducation,
      ep.start,
      ep.end,
      ep.days,
      ep.event ? 1 : 0,
      ep.endType,
      ep.censoredBy,
    ]);
  });
  await sink.finish();
  return { persons: rows, rows };
}
