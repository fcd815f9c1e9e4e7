import * as fs from 'node:fs';
import { controlTimeToEvent, type ControlledGroup, type ControlledTimeToEvent } from '@kedja/access';
import { csvField, type TimeToEventQuery } from '@kedja/analytics';
import type { KedjaConfig } from '../../../api/src/config/config';
import { normaliseGroupByKeys } from '../../../api/src/analytics/time-to-event/group-by';
import { parseTimeToEventBody } from '../../../api/src/analytics/time-to-event/query';
import { timeToEventFromProjection } from '../../../api/src/analytics/time-to-event/run';
import { openAnalyticsSource } from './analytics-source';
import { groupLabel, plotSvg } from './plot';

export type EvaluateFormat = 'table' | 'csv' | 'json';

export interface EvaluateOptions {
  readonly from: string;
  readonly to: readonly string[];
  readonly competing?: readonly string[];
  readonly cohort?: readonly string[];
  readonly groupBy?: readonly string[];
  readonly asOf?: string;
  readonly horizon?: readonly string[];
  readonly format?: string;
  /** Also write the curves as SVG to this file. */
  readonly plot?: string;
}

export class UsageError extends Error {}

const NUMERIC_COHORT = new Set(['year']);

/** `k=v` (v may be `a,b` for either) to the API's cohort object. */
export function parseCohort(pairs: readonly string[]): Record<string, unknown> {
  const cohort: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--cohort takes key=value, got "${pair}"`);
    const key = pair.slice(0, eq);
    const values = pair
      .slice(eq + 1)
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
      .map((v) => (NUMERIC_COHORT.has(key) && /^\d+$/.test(v) ? Number(v) : v));
    const previous = cohort[key];
    const merged = previous === undefined ? values : [...(Array.isArray(previous) ? previous : [previous]), ...values];
    cohort[key] = merged.length === 1 ? merged[0] : merged;
  }
  return cohort;
}

/** The same body the API takes, checked by the same rules, so the CLI and the API cannot disagree. */
export function queryFromOptions(options: EvaluateOptions, nowMs: number): TimeToEventQuery {
  const body: Record<string, unknown> = { from: options.from, to: options.to.length === 1 ? options.to[0] : [...options.to] };
  if (options.competing && options.competing.length > 0) body.competing = options.competing.flatMap((c) => c.split(',')).filter((c) => c !== '');
  if (options.cohort && options.cohort.length > 0) body.cohort = parseCohort(options.cohort);
  if (options.groupBy && options.groupBy.length > 0) {
    const keys = options.groupBy.flatMap((g) => g.split(',')).filter((g) => g !== '');
    body.groupBy = keys.length === 1 ? keys[0] : keys;
  }
  if (options.asOf !== undefined) body.asOf = options.asOf;
  if (options.horizon && options.horizon.length > 0) body.horizons = options.horizon.flatMap((h) => h.split(',')).map((h) => (/^\d+$/.test(h) ? Number(h) : h));
  const parsed = parseTimeToEventBody(body, nowMs);
  if (!parsed.ok) {
    const flag = (path: string) => `--${path.replace(/[.[].*$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(parsed.errors.map((e) => `${flag(e.path)} (${e.path}): ${e.message}`).join('\n'));
  }
  return parsed.query;
}

const percent = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)}%`);
/** A withheld value prints as `*`, a value that does not exist (no median yet) as `–`. */
const cell = (value: number | null, withheld: boolean) => (withheld ? '*' : value === null ? '–' : String(value));
const withheld = (g: ControlledGroup, field: string) => g.suppressedFields?.includes(field) ?? false;

export function formatTable(result: ControlledTimeToEvent): string {
  const horizons = result.groups[0]?.horizons.map((h) => h.day) ?? [];
  const header = ['group', 'n', 'events', 'censored', 'median days [95% CI]', ...horizons.map((d) => `by ${d} d`)];
  const lines = result.groups.map((g) => [
    groupLabel(g),
    cell(g.n, withheld(g, 'n')),
    cell(g.events, withheld(g, 'events')),
    cell(g.censored, withheld(g, 'censored')),
    `${cell(g.median, withheld(g, 'median'))} [${cell(g.medianCi.lower, withheld(g, 'medianCi'))}, ${cell(g.medianCi.upper, withheld(g, 'medianCi'))}]`,
    ...g.horizons.map((h) => (h.suppressed ? '*' : percent(h.share))),
  ]);
  const widths = header.map((_, i) => Math.max(header[i].length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const withheldAny = result.groups.some((g) => g.suppressed) || result.logRank?.suppressed === true;
  const footnote = withheldAny ? `* withheld: would describe fewer than ${result.disclosure.minCell} people (KEDJA_MIN_CELL)\n` : '';
  return `as of ${result.asOf}\n${[header, ...lines].map(render).join('\n')}\n${formatIncidence(result, horizons)}${formatLogRank(result)}${footnote}`;
}

/** The released cumulative incidences, one line per group and cause (withheld exits and shares as `*`). */
function formatIncidence(result: ControlledTimeToEvent, horizons: readonly number[]): string {
  if (!result.groups.some((g) => g.cumulativeIncidence)) return '';
  const header = ['cumulative incidence', 'cause', 'events', ...horizons.map((d) => `by ${d} d`)];
  const lines = result.groups.flatMap((g) =>
    (g.cumulativeIncidence ?? []).map((c) => [
      groupLabel(g),
      c.cause,
      cell(c.events, c.suppressedFields?.includes('events') ?? false),
      ...c.horizons.map((h) => (h.suppressed ? '*' : percent(h.share))),
    ]),
  );
  const widths = header.map((_, i) => Math.max(header[i].length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return `\n${[header, ...lines].map(render).join('\n')}\n`;
}

const statistic = (t: { chiSquare: number | null; df: number; p: number | null }) =>
  t.chiSquare === null ? `no test (${t.df} df)` : `chi-square ${t.chiSquare.toFixed(3)} on ${t.df} df, p = ${t.p === null ? '–' : t.p.toPrecision(3)}`;

/** The released log-rank test: on the released curves, without the groups that have none. */
function formatLogRank(result: ControlledTimeToEvent): string {
  const test = result.logRank;
  if (!test) return '';
  const left = result.groups.filter((_, i) => test.observed[i] === null).length;
  const lines = [`log-rank test across the groups: ${statistic(test)}${left > 0 ? ` (* ${left} withheld group${left === 1 ? '' : 's'} left out)` : ''}`];
  for (const s of test.stratified ?? []) lines.push(`log-rank test of ${s.by} stratified by ${s.strata.join(', ')}: ${statistic(s)}`);
  return `\n${lines.join('\n')}\n`;
}

/**
 * One row per group; withheld values are empty and the row's `suppressed` column names them.
 * With competing causes each cause adds its exits and incidence by each horizon
 * (`events:<cause>`, `incidence<day>:<cause>`), and `cumulativeIncidence.<cause>.<field>` in
 * `suppressed`; the log-rank test is not a per-group value and is in the table and JSON only.
 */
export function formatCsv(result: ControlledTimeToEvent, groupBy: readonly string[]): string {
  const horizons = result.groups[0]?.horizons.map((h) => h.day) ?? [];
  const causes = result.groups[0]?.cumulativeIncidence?.map((c) => c.cause) ?? [];
  const causeHeader = causes.flatMap((c) => [`events:${c}`, ...horizons.map((d) => `incidence${d}:${c}`)]);
  const header = [...groupBy, 'n', 'events', 'censored', 'median', 'medianLower', 'medianUpper', ...horizons.map((d) => `share${d}`), ...causeHeader, 'asOf', 'suppressed'];
  const rows = result.groups.map((g) => [
    ...groupBy.map((k) => (g.key as Record<string, string | number | null>)[k] ?? null),
    g.n,
    g.events,
    g.censored,
    g.median,
    g.medianCi.lower,
    g.medianCi.upper,
    ...g.horizons.map((h) => h.share),
    ...(g.cumulativeIncidence ?? []).flatMap((c) => [c.events, ...c.horizons.map((h) => h.share)]),
    result.asOf,
    [...(g.suppressedFields ?? []), ...(g.cumulativeIncidence ?? []).flatMap((c) => (c.suppressedFields ?? []).map((f) => `cumulativeIncidence.${c.cause}.${f}`))].join(' '),
  ]);
  return [header, ...rows].map((r) => r.map((c) => csvField(c)).join(',')).join('\r\n') + '\r\n';
}

export async function evaluate(config: KedjaConfig, options: EvaluateOptions, nowMs = Date.now()): Promise<string> {
  const format = (options.format ?? 'table') as EvaluateFormat;
  if (!['table', 'csv', 'json'].includes(format)) throw new UsageError('--format must be table, csv or json');
  const query = queryFromOptions(options, nowMs);
  const source = await openAnalyticsSource(config);
  try {
    const groupBy = normaliseGroupByKeys(query.groupBy);
    // The CLI is an aggregate export like the API's answer: the same disclosure control, always.
    const result = controlTimeToEvent(await timeToEventFromProjection(source.opened.db, source.table, query, new Date(nowMs).toISOString()), groupBy, config.minCell);
    if (options.plot !== undefined) fs.writeFileSync(options.plot, plotSvg(result, plotTitle(query)), { mode: 0o600 });
    if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
    return format === 'csv' ? formatCsv(result, groupBy) : formatTable(result);
  } finally {
    await source.close();
  }
}

function plotTitle(query: TimeToEventQuery): string {
  const to = typeof query.to === 'string' ? query.to : query.to.join(' or ');
  return `Time from ${query.from} to ${to}`;
}
