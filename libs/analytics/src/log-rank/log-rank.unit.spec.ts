import { kaplanMeier } from '../kaplan-meier/kaplan-meier';
import { chiSquareUpperTail, logRankTest, MAX_LOG_RANK_GROUPS, type LogRankCell } from './log-rank';

// Freireich et al. (1963): weeks in remission, 6-MP against placebo (as in kaplan-meier.unit.spec.ts).
const SIX_MP = { events: [6, 6, 6, 7, 10, 13, 16, 22, 23], censored: [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35] };
const PLACEBO = { events: [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23], censored: [] as number[] };

function cell(group: number, stratum: number, data: { events: number[]; censored: number[] }): LogRankCell {
  const { curve } = kaplanMeier([...data.events.map((time) => ({ time, event: true })), ...data.censored.map((time) => ({ time, event: false }))]);
  return { group, stratum, times: curve.map((r) => r.day), events: curve.map((r) => r.events), censored: curve.map((r) => r.censored) };
}

/** Every other person of each arm into stratum a or b, in the order listed (R: rep(c("a","b"), 21)). */
function split(data: { events: number[]; censored: number[] }, offset: number) {
  const all = [...data.events.map((t) => [t, 1]), ...data.censored.map((t) => [t, 0])];
  const part = (k: number) => {
    const mine = all.filter((_, i) => (i + offset) % 2 === k);
    return { events: mine.filter(([, s]) => s === 1).map(([t]) => t), censored: mine.filter(([, s]) => s === 0).map(([t]) => t) };
  };
  return [part(0), part(1)];
}

describe('logRankTest', () => {
  it('gives survdiff\'s chi-square 16.79 on 1 df for 6-MP against placebo (R 4.2.2, survival 3.5.3)', () => {
    const test = logRankTest(2, [cell(0, 0, SIX_MP), cell(1, 0, PLACEBO)]);
    expect(test.observed).toEqual([9, 21]);
    expect(test.expected[0]).toBeCloseTo(19.250500948031128, 12);
    expect(test.expected[1]).toBeCloseTo(10.749499051968868, 12);
    expect(test.chiSquare).toBeCloseTo(16.79294098921654, 10);
    expect(test.df).toBe(1);
    expect(test.p).toBeCloseTo(4.1688091093345308e-5, 15);
  });

  it('pools nothing across strata: survdiff(Surv(t, s) ~ g + strata(st)) gives 16.18', () => {
    // 6-MP is people 1–21 (offset 0), placebo 22–42 (offset 21, odd): the strata alternate over all 42.
    const [mpA, mpB] = split(SIX_MP, 0);
    const [plA, plB] = split(PLACEBO, 1);
    const test = logRankTest(2, [cell(0, 0, mpA), cell(0, 1, mpB), cell(1, 0, plA), cell(1, 1, plB)]);
    expect(test.chiSquare).toBeCloseTo(16.176084919672025, 10);
    expect(test.p).toBeCloseTo(5.7718216858480858e-5, 15);
  });

  it('has no test with a single group, and leaves out groups with no expected events', () => {
    expect(logRankTest(1, [cell(0, 0, SIX_MP)])).toMatchObject({ chiSquare: null, df: 0, p: null });
    const emptyish = logRankTest(3, [cell(0, 0, SIX_MP), cell(1, 0, PLACEBO), cell(2, 0, { events: [], censored: [0] })]);
    expect(emptyish.df).toBe(1);
    expect(emptyish.chiSquare).toBeCloseTo(16.79294098921654, 10);
  });

  it('gives observed and expected but no statistic past the group limit', () => {
    const cells = Array.from({ length: MAX_LOG_RANK_GROUPS + 1 }, (_, g) => cell(g, 0, g % 2 ? SIX_MP : PLACEBO));
    const test = logRankTest(cells.length, cells);
    expect(test).toMatchObject({ chiSquare: null, p: null, df: MAX_LOG_RANK_GROUPS });
    expect(test.expected.reduce((a, b) => a + b, 0)).toBeCloseTo(test.observed.reduce((a, b) => a + b, 0), 9);
  });

  it('computes tiny p-values directly, not as 1 − cdf', () => {
    expect(chiSquareUpperTail(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    // pchisq(400, 1, lower.tail = FALSE) is 5.5072482372124689e-89 in R; 1 − cdf would be exactly 0.
    expect(chiSquareUpperTail(400, 1) / 5.5072482372124689e-89).toBeCloseTo(1, 9);
  });
});
