import { kaplanMeier } from './kaplan-meier';
import { stepQuantiles, survivalQuantiles } from './quantile';

describe('survivalQuantiles as R quantile.survfit', () => {
  // survival's own tests/quantile.R, test1 without the NA status: S = 6/7 · 3/5 · 1/2, chosen so
  // that some probabilities hit the flats of the curve exactly.
  const km = kaplanMeier(
    [
      [9, 1],
      [1, 1],
      [1, 0],
      [6, 1],
      [6, 1],
      [8, 0],
      [10, 0],
    ].map(([time, status]) => ({ time, event: status === 1 })),
  );
  const probs = [13 / 14, 6 / 7, 2 / 3, 0.5, 9 / 35, 0.1].map((q) => 1 - q);

  it('gives the quantiles of survival tests/quantile.R (midpoints on flats, NA past the curve)', () => {
    expect(survivalQuantiles(km.curve, probs).map((q) => q.time)).toEqual([1, 3.5, 6, 9, 9.5, null]);
  });

  it('gives the band ends R gives for the same data with conf.type = "log-log"', () => {
    // quantile(survfit(Surv(time, status) ~ 1, test1, conf.type = "log-log"), 1 - qq), R 4.2.2,
    // survival 3.5.3 (the test file itself uses the default log band).
    const qs = survivalQuantiles(km.curve, probs);
    expect(qs.map((q) => q.lower)).toEqual([1, 1, 1, 1, 6, 9]);
    expect(qs.map((q) => q.upper)).toEqual([6, 6, 9, null, null, null]);
  });

  it('answers all null when the curve stays below the smallest probability asked', () => {
    expect(stepQuantiles([0, 1, 2], [0, 0.1, 0.2], [0.3, 0.5], 2)).toEqual([null, null]);
    // ... but within tolerance below the largest, with a smaller one asked too, the flat at the end counts.
    expect(stepQuantiles([0, 1, 2], [0, 0.1, 0.5 - 1e-15], [0.05, 0.5], 4)).toEqual([1, 3]);
  });

  it('refuses a probability outside [0, 1]', () => {
    expect(() => survivalQuantiles(km.curve, [1.5])).toThrow(RangeError);
  });
});
