import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { survivalQuantiles } from '../kaplan-meier/quantile';
import { timeToEvent, type TimeToEventGroup, type TimeToEventResult } from '../time-to-event/time-to-event';
import { halfCohort, REFERENCE_AS_OF, REFERENCE_COMPETING, REFERENCE_QUERY, referenceCohort, type ReferenceCohort, type TruePerson } from './cohort';

// Kedja against R's survival package (the reference implementation analysts at IFAU and SCB
// check against) on generated cohorts: the same people, R given the truth they were made from,
// Kedja given their histories. Counts must be equal, curves, variances and bands within 1e-9,
// quantiles and their interval ends equal, log-rank statistics within 1e-9.
// R and survival come from Debian (r-base-core, r-cran-survival); .ci/run installs them.

const SCRIPT = join(__dirname, 'reference.R');
const TOL = 1e-9;

function probeR(): string | undefined {
  const r = spawnSync('Rscript', ['-e', 'suppressPackageStartupMessages(library(survival)); cat(as.character(packageVersion("survival")))'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) return r.error.message;
  if (r.status !== 0) return (r.stderr || `exit ${r.status}`).trim().split('\n')[0];
  return undefined;
}

const missing = probeR();

function describeWithR(name: string, body: () => void): void {
  if (missing === undefined) return describe(name, body);
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it('needs Rscript with the survival package under CI', () => {
        throw new Error(`R is not usable: ${missing} (apt-get install -y r-base-core r-cran-survival)`);
      });
    });
  }
  console.warn(`SKIPPED: ${name}: Rscript with the survival package is not available (${missing}); apt-get install -y r-base-core r-cran-survival`);
  describe.skip(name, body);
}

interface RRow {
  [field: string]: number | null;
}
/** section → group → row number → fields */
type ROutput = Map<string, Map<string, Map<number, RRow>>>;

interface Labelled extends TruePerson {
  readonly group: string;
  readonly compare: string;
  readonly stratum: string;
}

function runR(people: readonly Labelled[], causes: number): ROutput {
  const dir = mkdtempSync(join(tmpdir(), 'kedja-r-'));
  try {
    const input = join(dir, 'input.csv');
    const output = join(dir, 'output.csv');
    writeFileSync(input, ['time,status,group,compare,stratum', ...people.map((p) => `${p.days},${p.status},${p.group},${p.compare},${p.stratum}`)].join('\n') + '\n');
    execFileSync('Rscript', [SCRIPT, input, output, String(causes)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
    const out: ROutput = new Map();
    for (const line of readFileSync(output, 'utf8').trim().split('\n').slice(1)) {
      const [section, group, row, field, value] = line.split(',');
      const num = value === 'NA' ? null : value === 'Inf' ? Infinity : Number(value);
      let bySection = out.get(section);
      if (!bySection) out.set(section, (bySection = new Map()));
      let byGroup = bySection.get(group);
      if (!byGroup) bySection.set(group, (byGroup = new Map()));
      let r = byGroup.get(Number(row));
      if (!r) byGroup.set(Number(row), (r = {}));
      r[field] = num;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = (out: ROutput, section: string, group: string): RRow[] => [...(out.get(section)?.get(group)?.values() ?? [])];

function close(actual: number | null | undefined, expected: number | null, what: string, relative = false): void {
  if (expected === null || actual === null || actual === undefined) {
    if (actual !== expected) throw new Error(`${what}: Kedja ${actual}, R ${expected}`);
    return;
  }
  const scale = relative ? Math.max(1, Math.abs(expected)) : 1;
  if (!(Math.abs(actual - expected) <= TOL * scale)) throw new Error(`${what}: Kedja ${actual}, R ${expected} (difference ${actual - expected})`);
}

function checkKaplanMeier(group: TimeToEventGroup, out: ROutput, label: string, truth: readonly Labelled[]): void {
  const mine = truth.filter((p) => p.group === label);
  const r = rows(out, 'km', label);
  expect({ n: group.n, events: group.events, censored: group.censored }).toEqual({
    n: mine.length,
    events: mine.filter((p) => p.status === 1).length,
    censored: mine.filter((p) => p.status !== 1).length,
  });
  expect(group.curve.map((c) => [c.day, c.atRisk, c.events, c.censored])).toEqual(r.map((x) => [x.day, x.atRisk, x.events, x.censored]));
  group.curve.forEach((c, i) => {
    const x = r[i];
    const at = `${label} day ${c.day}`;
    close(c.survival, x.survival, `${at} survival`);
    // R's std.err is that of −log S (σ); Greenwood's variance of S is (S·σ)², undefined at S = 0.
    if (x.stdErrLog === Infinity) expect(c.variance).toBeNull();
    else close(c.variance, (x.survival! * x.stdErrLog!) ** 2, `${at} variance`);
    if (x.lower === null) {
      // R leaves the log-log band undefined where S is 0 or 1; Kedja's row is the point [S, S].
      expect([0, 1]).toContain(c.survival);
      expect([c.lower, c.upper]).toEqual([c.survival, c.survival]);
    } else {
      close(c.lower, x.lower, `${at} lower`);
      close(c.upper, x.upper, `${at} upper`);
    }
  });
  const quantiles = rows(out, 'quantile', label);
  expect({ median: group.median, lower: group.medianCi.lower, upper: group.medianCi.upper }).toEqual({
    median: quantiles[1].time,
    lower: quantiles[1].lower,
    upper: quantiles[1].upper,
  });
  expect(survivalQuantiles(group.curve, [0.25, 0.5, 0.75]).map((q) => [q.time, q.lower, q.upper])).toEqual(quantiles.map((q) => [q.time, q.lower, q.upper]));
  flats.total++;
  if (group.median !== null && !group.curve.some((c) => c.day === group.median)) flats.midpoints++;
}

/** How many medians were midpoints of a flat: the cohorts must exercise that rule, not only claim to. */
const flats = { total: 0, midpoints: 0 };

function checkIncidence(group: TimeToEventGroup, out: ROutput, label: string, causes: number): void {
  const r = rows(out, 'aj', label);
  const ci = group.cumulativeIncidence!;
  expect(ci.map((c) => c.cause)).toEqual(['to', ...REFERENCE_COMPETING]);
  for (let k = 0; k < causes; k++) {
    const curve = ci[k].curve;
    expect(curve.map((c) => [c.day, c.atRisk, c.events])).toEqual(r.map((x) => [x.day, x.atRisk, x[`events${k + 1}`]]));
    curve.forEach((c, i) => {
      const x = r[i];
      const at = `${label} cause ${ci[k].cause} day ${c.day}`;
      close(c.incidence, x[`incidence${k + 1}`], `${at} incidence`);
      close(c.stdErr, x[`stdErr${k + 1}`], `${at} std.err`);
      close(c.lower, x[`lower${k + 1}`], `${at} lower`);
      close(c.upper, x[`upper${k + 1}`], `${at} upper`);
    });
  }
}

function checkLogRank(test: { chiSquare: number | null; df: number; p: number | null } | undefined, out: ROutput, section: string): void {
  const r = out.get(section)?.get('')?.get(1);
  expect(r).toBeDefined();
  expect(test).toBeDefined();
  expect(test!.df).toBe(r!.df);
  close(test!.chiSquare, r!.chiSquare, `${section} chi-square`, true);
  close(test!.p, r!.p, `${section} p`);
}

const labelOf = (gender: string | null) => gender ?? 'unknown';
const keyLabel = (g: TimeToEventGroup) => Object.values(g.key).map((v) => (v === null ? 'unknown' : String(v))).join('|');

const COHORTS: Array<[string, () => ReferenceCohort]> = [
  ['40 people, seed 1', () => referenceCohort(1, 40)],
  ['300 people, seed 2', () => referenceCohort(2, 300)],
  ['2,500 people, seed 3', () => referenceCohort(3, 2500)],
  ['24 people exiting within ten days, seed 4', () => referenceCohort(4, 24, 'uncensored')],
];

describeWithR('Kedja against R survival (survfit, quantile, survdiff, multi-state survfit)', () => {
  afterAll(() => {
    // Only over the whole suite (about 40 groups; a -t filter runs a few).
    if (flats.total >= 30) expect(flats.midpoints).toBeGreaterThanOrEqual(3);
  });

  it('takes 701 of 1402 as one half: the median is the midpoint of the flat, as in R', async () => {
    const cohort = halfCohort();
    const result = await timeToEvent(cohort.histories, { ...REFERENCE_QUERY, asOf: REFERENCE_AS_OF }, REFERENCE_AS_OF);
    const truth = cohort.plain.map((p) => ({ ...p, group: 'all', compare: 'all', stratum: 'all' }));
    checkKaplanMeier(result.groups[0], runR(truth, 0), 'all', truth);
    expect(result.groups[0].curve[1].survival).toBeGreaterThan(0.5);
    expect(result.groups[0].median).toBe(3.5);
  });

  describe.each(COHORTS)('cohort of %s', (_name, make) => {
    const cohort = make();

    it('one group: Kaplan–Meier, Greenwood, log-log band and quantile.survfit median', async () => {
      const result = await timeToEvent(cohort.histories, { ...REFERENCE_QUERY, asOf: REFERENCE_AS_OF }, REFERENCE_AS_OF);
      const truth = cohort.plain.map((p) => ({ ...p, group: 'all', compare: 'all', stratum: 'all' }));
      const out = runR(truth, 0);
      expect(result.groups).toHaveLength(1);
      checkKaplanMeier(result.groups[0], out, 'all', truth);
      expect(result.logRank).toBeUndefined();
    });

    it('by gender with competing exits: cause-specific curves, Aalen–Johansen and the log-rank test', async () => {
      const result: TimeToEventResult = await timeToEvent(
        cohort.histories,
        { ...REFERENCE_QUERY, competing: [...REFERENCE_COMPETING], groupBy: 'gender', asOf: REFERENCE_AS_OF },
        REFERENCE_AS_OF,
      );
      const truth = cohort.competing.map((p) => ({ ...p, group: labelOf(p.gender), compare: labelOf(p.gender), stratum: 'all' }));
      const out = runR(truth, REFERENCE_COMPETING.length);
      expect(result.groups.map(keyLabel).sort()).toEqual([...new Set(truth.map((p) => p.group))].sort());
      for (const g of result.groups) {
        checkKaplanMeier(g, out, keyLabel(g), truth);
        checkIncidence(g, out, keyLabel(g), 1 + REFERENCE_COMPETING.length);
      }
      checkLogRank(result.logRank, out, 'logrank');
      const observed = result.groups.map((g) => out.get('logrank')!.get(keyLabel(g))!.get(1)!);
      expect(result.logRank!.observed).toEqual(observed.map((o) => o.observed));
      result.logRank!.expected.forEach((e, i) => close(e, observed[i].expected, `expected events of ${keyLabel(result.groups[i])}`));
    });

    it('by gender and year: every cell, the log-rank test across cells and each attribute stratified by the other', async () => {
      const query = { ...REFERENCE_QUERY, groupBy: ['gender', 'year'], asOf: REFERENCE_AS_OF };
      const result = await timeToEvent(cohort.histories, query, REFERENCE_AS_OF);
      const cells = cohort.plain.map((p) => ({ ...p, group: `${labelOf(p.gender)}|${p.year}` }));
      const out = runR(
        cells.map((p) => ({ ...p, compare: labelOf(p.gender), stratum: String(p.year) })),
        0,
      );
      for (const g of result.groups) checkKaplanMeier(g, out, keyLabel(g), cells.map((p) => ({ ...p, compare: '', stratum: '' })));
      checkLogRank(result.logRank, out, 'logrank');
      const [byGender, byYear] = result.logRank!.stratified!;
      expect([byGender.by, byGender.strata, byYear.by, byYear.strata]).toEqual(['gender', ['year'], 'year', ['gender']]);
      checkLogRank(byGender, out, 'stratified');
      const outByYear = runR(
        cells.map((p) => ({ ...p, compare: String(p.year), stratum: labelOf(p.gender) })),
        0,
      );
      checkLogRank(byYear, outByYear, 'stratified');
    });
  });
});
