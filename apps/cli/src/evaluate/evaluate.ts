import { csvField, type TimeToEventGroup, type TimeToEventQuery, type TimeToEventResult } from '@kedja/analytics';
import type { KedjaConfig } from '../../../api/src/config/config';
import { parseTimeToEventBody } from '../../../api/src/analytics/time-to-event/query';
import { timeToEventFromProjection } from '../../../api/src/analytics/time-to-event/run';
import { openAnalyticsSource } from './analytics-source';

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

function keyText(group: TimeToEventGroup): string {
  const entries = Object.entries(group.key);
  return entries.length === 0 ? 'all' : entries.map(([k, v]) => `${k}=${v ?? '(unknown)'}`).join(' ');
}

const percent = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)}%`);

export function formatTable(result: TimeToEventResult): string {
  const horizons = result.groups[0]?.horizons.map((h) => h.day) ?? [];
  const header = ['group', 'n', 'events', 'censored', 'median days [95% CI]', ...horizons.map((d) => `by ${d} d`)];
  const lines = result.groups.map((g) => [
    keyText(g),
    String(g.n),
    String(g.events),
    String(g.censored),
    `${g.median ?? '–'} [${g.medianCi.lower ?? '–'}, ${g.medianCi.upper ?? '–'}]`,
    ...g.horizons.map((h) => percent(h.share)),
  ]);
  const widths = header.map((_, i) => Math.max(header[i].length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return `as of ${result.asOf}\n${[header, ...lines].map(render).join('\n')}\n${formatIncidence(result, horizons)}${formatLogRank(result)}`;
}

function formatIncidence(result: TimeToEventResult, horizons: readonly number[]): string {
  if (!result.groups.some((g) => g.cumulativeIncidence)) return '';
  const header = ['cumulative incidence', 'cause', 'events', ...horizons.map((d) => `by ${d} d`)];
  const lines = result.groups.flatMap((g) =>
    (g.cumulativeIncidence ?? []).map((c) => [keyText(g), c.cause, String(c.events), ...c.horizons.map((h) => percent(h.share))]),
  );
  const widths = header.map((_, i) => Math.max(header[i].length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return `\n${[header, ...lines].map(render).join('\n')}\n`;
}

const statistic = (t: { chiSquare: number | null; df: number; p: number | null }) =>
  t.chiSquare === null ? `no test (${t.df} df)` : `chi-square ${t.chiSquare.toFixed(3)} on ${t.df} df, p = ${t.p === null ? '–' : t.p.toPrecision(3)}`;

function formatLogRank(result: TimeToEventResult): string {
  const test = result.logRank;
  if (!test) return '';
  const lines = [`log-rank test across the groups: ${statistic(test)}`];
  for (const s of test.stratified ?? []) lines.push(`log-rank test of ${s.by} stratified by ${s.strata.join(', ')}: ${statistic(s)}`);
  return `\n${lines.join('\n')}\n`;
}

export function formatCsv(result: TimeToEventResult, groupBy: readonly string[]): string {
  const horizons = result.groups[0]?.horizons.map((h) => h.day) ?? [];
  const header = [...groupBy, 'n', 'events', 'censored', 'median', 'medianLower', 'medianUpper', ...horizons.map((d) => `share${d}`), 'asOf'];
  const rows = result.groups.map((g) => [
    ...groupBy.map((k) => (g.key as Record<string, string | number | null>)[k] ?? null),
    g.n,
    g.events,
    g.censored,
    g.median,
    g.medianCi.lower,
    g.medianCi.upper,
    ...g.horizons.map((h) => h.share),
    result.asOf,
  ]);
  return [header, ...rows].map((r) => r.map((c) => csvField(c)).join(',')).join('\r\n') + '\r\n';
}

export async function evaluate(config: KedjaConfig, options: EvaluateOptions, nowMs = Date.now()): Promise<string> {
  const format = (options.format ?? 'table') as EvaluateFormat;
  if (!['table', 'csv', 'json'].includes(format)) throw new UsageError('--format must be table, csv or json');
  const query = queryFromOptions(options, nowMs);
  const source = await openAnalyticsSource(config);
  try {
    const result = await timeToEventFromProjection(source.opened.db, source.table, query, new Date(nowMs).toISOString());
    if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
    const groupBy = query.groupBy === undefined ? [] : typeof query.groupBy === 'string' ? [query.groupBy] : [...new Set(query.groupBy)];
    return format === 'csv' ? formatCsv(result, groupBy) : formatTable(result);
  } finally {
    await source.close();
  }
}
