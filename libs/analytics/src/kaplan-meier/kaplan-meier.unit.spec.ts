import { kaplanMeier, kaplanMeierFromCounts, shareByHorizon, type SurvivalObservation } from './kaplan-meier';

// Freireich et al. (1963), Blood 21:699–716: weeks in remission of 42 children with acute
// leukaemia, 21 on 6-mercaptopurine and 21 on placebo. Censored times are marked + in the books.
const SIX_MP_RELAPSES = [6, 6, 6, 7, 10, 13, 16, 22, 23];
const SIX_MP_CENSORED = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35];
const PLACEBO_RELAPSES = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23];

const observations = (events: number[], censored: number[] = []): SurvivalObservation[] => [
  ...events.map((time) => ({ time, event: true })),
  ...censored.map((time) => ({ time, event: false })),
];

describe('kaplanMeier against the 6-MP remission data', () => {
  const sixMp = kaplanMeier(observations(SIX_MP_RELAPSES, SIX_MP_CENSORED));
  const at = (day: number) => sixMp.curve.find((r) => r.day === day)!;

  // Kleinbaum & Klein, "Survival Analysis: A Self-Learning Text", 3rd ed. (Springer 2012),
  // chapter 2, the KM table for Group 1 (6-MP): t(f), n(f), m(f), q(f) and Ŝ(t(f)) to 4 decimals.
  it.each([
    [6, 21, 3, 1, 0.8571],
    [7, 17, 1, 0, 0.8067],
    [10, 15, 1, 1, 0.7529],
    [13, 12, 1, 0, 0.6902],
    [16, 11, 1, 0, 0.6275],
    [22, 7, 1, 0, 0.5378],
    [23, 6, 1, 0, 0.4482],
  ])('at week %i: %i at risk, %i relapses, %i censored, S = %d', (day, atRisk, events, censored, survival) => {
    expect(at(day)).toMatchObject({ atRisk, events, censored });
    expect(at(day).survival).toBeCloseTo(survival, 4);
  });

  // Klein & Moeschberger, "Survival Analysis: Techniques for Censored and Truncated Data", 2nd ed.
  // (Springer 2003), section 4.2, the product-limit estimator and its Greenwood standard error for
  // the 6-MP group (Example 4.1), given to 3 decimals.
  it.each([
    [6, 0.076],
    [7, 0.087],
    [10, 0.096],
    [13, 0.107],
    [16, 0.114],
    [22, 0.128],
    [23, 0.135],
  ])('Greenwood standard error at week %i is %d', (day, se) => {
    expect(at(day).stdErr).toBeCloseTo(se, 3);
  });

  it('keeps those censored at a relapse time at risk at that time, and drops them after', () => {
    expect(at(6).atRisk).toBe(21);
    expect(at(7).atRisk).toBe(21 - 3 - 1);
    expect(at(10).atRisk).toBe(15);
    expect(at(11).atRisk).toBe(13);
  });

  it('has one row per distinct time, censoring-only rows leaving S unchanged', () => {
    expect(sixMp.curve.map((r) => r.day)).toEqual([6, 7, 9, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 34, 35]);
    expect(at(9).survival).toBe(at(7).survival);
    expect(at(35).survival).toBe(at(23).survival);
    expect(sixMp).toMatchObject({ n: 21, events: 9, censored: 12 });
  });

  // Both books read the median off the table: the first week with Ŝ ≤ 0.5 is 23.
  // The interval is Brookmeyer–Crowley on the log-log band, worked from the Greenwood sums above:
  // at week 10 the lower band is 0.7529^exp(1.96·0.1280/0.2839) = 0.503 > 0.5, at week 13 it is
  // 0.6902^exp(1.96·0.1548/0.3708) = 0.432 ≤ 0.5, so the lower limit is 13; the upper band at the
  // last relapse is 0.4482^exp(−1.96·0.3003/0.8025) = 0.680 > 0.5, so the upper limit is unknown.
  it('gives the median 23 weeks, 95% CI 13 to not reached', () => {
    expect(sixMp.median).toBe(23);
    expect(sixMp.medianCi).toEqual({ lower: 13, upper: null });
    expect(at(10).lower).toBeCloseTo(0.5032, 4);
    expect(at(13).lower).toBeCloseTo(0.4316, 4);
    expect(at(23).upper).toBeCloseTo(0.6801, 4);
  });

  it('reproduces the placebo group (Kleinbaum & Klein, same table, Group 2: no censoring)', () => {
    const placebo = kaplanMeier(observations(PLACEBO_RELAPSES));
    const expected: Array<[number, number]> = [
      [1, 0.9048], [2, 0.8095], [3, 0.7619], [4, 0.6667], [5, 0.5714], [8, 0.381],
      [11, 0.2857], [12, 0.1905], [15, 0.1429], [17, 0.0952], [22, 0.0476], [23, 0],
    ];
    expect(placebo.curve.map((r) => r.day)).toEqual(expected.map(([d]) => d));
    expected.forEach(([, s], i) => expect(placebo.curve[i].survival).toBeCloseTo(s, 4));
    expect(placebo.median).toBe(8);
    // Log-log band: lower 0.4254 at week 4 (first ≤ 0.5), upper 0.4818 at week 11 (first ≤ 0.5).
    expect(placebo.medianCi).toEqual({ lower: 4, upper: 11 });
    expect(placebo.curve.at(-1)).toMatchObject({ survival: 0, variance: null, lower: 0, upper: 0 });
  });
});

describe('kaplanMeier conventions', () => {
  it('takes the midpoint of a flat exactly at one half, even when floating point lands above it', () => {
    // 11/18 · 9/11 = 1/2, which IEEE 754 doubles evaluate to 0.5000000000000001; the curve then
    // stays there until the last censoring at 3, so R's quantile.survfit gives (2 + 3)/2.
    const km = kaplanMeier([...observations([1, 1, 1, 1, 1, 1, 1, 2, 2]), ...observations([], Array(9).fill(3))]);
    expect(km.curve[1].survival).toBeGreaterThan(0.5);
    expect(km.median).toBe(2.5);
    expect(km.medianCi).toEqual({ lower: 1, upper: null });
  });

  it('counts 701 of 1402 as exactly one half and takes the midpoint to the next event', () => {
    const km = kaplanMeier([...observations(Array(701).fill(10)), ...observations([30], Array(700).fill(40))]);
    expect(km.curve[0].survival).toBe(701 / 1402);
    expect(km.median).toBe(20);
  });

  it('returns no median and no upper limit when half is never reached', () => {
    const km = kaplanMeier(observations([5], [10, 10, 10]));
    expect(km.median).toBeNull();
    expect(km.medianCi.upper).toBeNull();
  });

  it('is empty for no observations', () => {
    const km = kaplanMeier([]);
    expect(km).toMatchObject({ n: 0, events: 0, censored: 0, curve: [], median: null, medianCi: { lower: null, upper: null } });
  });

  it('agrees with the counts form', () => {
    const fromCounts = kaplanMeierFromCounts([6, 7, 9], [3, 1, 0], [1, 0, 1]);
    const fromObs = kaplanMeier(observations([6, 6, 6, 7], [6, 9]));
    expect(fromCounts).toEqual(fromObs);
  });

  it('rejects non-finite times', () => {
    expect(() => kaplanMeier([{ time: NaN, event: true }])).toThrow(RangeError);
  });
});

describe('shareByHorizon', () => {
  const { curve } = kaplanMeier(observations(SIX_MP_RELAPSES, SIX_MP_CENSORED));

  it('is 1 − S(h) on the right-continuous step function', () => {
    const shares = shareByHorizon(curve, [0, 6, 12, 23, 35]);
    expect(shares.map((s) => s.day)).toEqual([0, 6, 12, 23, 35]);
    expect(shares[0].share).toBe(0);
    expect(shares[1].share).toBeCloseTo(1 - 0.8571, 4);
    expect(shares[2].share).toBeCloseTo(1 - 0.7529, 4);
    expect(shares[3].share).toBeCloseTo(1 - 0.4482, 4);
    expect(shares[4].share).toBeCloseTo(1 - 0.4482, 4);
  });

  it('says nothing past the longest follow-up unless everyone had the event', () => {
    expect(shareByHorizon(curve, [36])[0].share).toBeNull();
    expect(shareByHorizon(kaplanMeier(observations(PLACEBO_RELAPSES)).curve, [100])[0].share).toBe(1);
  });

  it('defaults to 90, 365 and 730 days', () => {
    expect(shareByHorizon(curve).map((h) => h.day)).toEqual([90, 365, 730]);
  });
});
