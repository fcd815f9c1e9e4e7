/**
 * Quantiles of a survival curve as R's survival package defines them (`quantile.survfit`, and
 * its helper `findq`, survival 3.x): the p-quantile is the first time the cumulative distribution
 * F = 1 − S reaches p; where F sits exactly at p over an interval, it is the midpoint of that
 * interval (the "median of the flat", the usual rule for medians, also SAS PROC LIFETEST's); a
 * flat at p at the very end of the curve takes the midpoint with the last time followed. The
 * interval ends come from the same rule applied to the pointwise band (1 − lower gives the lower
 * end, 1 − upper the upper end), which for the median is Brookmeyer & Crowley (1982).
 *
 * "Exactly at p" is within R's tolerance, sqrt(.Machine$double.eps): S is a running product of
 * fractions, so 701/1402 of the population surviving can land a few ulps off one half.
 */
export const QUANTILE_TOLERANCE = Math.sqrt(Number.EPSILON);

export interface SurvivalQuantile {
  /** The probability of the event by the quantile (0.5 for the median). */
  readonly p: number;
  /** Time at which 1 − S reaches p; null when the curve never gets there. */
  readonly time: number | null;
  /** From the lower band; null when the band never gets there. */
  readonly lower: number | null;
  /** From the upper band; null when the band never gets there (often: "not reached"). */
  readonly upper: number | null;
}

/**
 * The p-quantiles of the step function that is `y[i]` from `x[i]` on (R's `findq`). `x[0]` is the
 * start of follow-up with `y[0]` = 0; null in `y` is undefined there (R's NA) and skipped;
 * `lastTime` is the last time followed (a censoring may come after the last jump). The probs are
 * asked together, as in one call of R's `quantile`: R answers all NA when the curve stays below
 * the smallest of them.
 */
export function stepQuantiles(
  x: readonly number[],
  y: readonly (number | null)[],
  probs: readonly number[],
  lastTime: number,
  tol = QUANTILE_TOLERANCE,
): (number | null)[] {
  let max = -Infinity;
  for (const v of y) if (v !== null && v > max) max = v;
  if (probs.length === 0) return [];
  if (max < Math.min(...probs)) return probs.map(() => null);
  // R drops repeated values first (duplicated(), which keeps the first of each value, NA too),
  // so that censoring-only times do not count as levels of their own.
  const xs: number[] = [];
  const ys: number[] = [];
  const seen = new Set<number | null>();
  let lastKept: number | null = null;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (seen.has(v)) continue;
    seen.add(v);
    lastKept = v;
    if (v === null) continue;
    xs.push(x[i]);
    ys.push(v);
  }
  // R: approx(y ± tol, 1:n, p, method = "constant", f = 1): the level whose y ± tol is the
  // smallest that is ≥ p (the first such level when y rises, as a curve does).
  const index = (p: number, shift: number): number => {
    let best = -1;
    for (let i = 0; i < ys.length; i++) {
      const v = ys[i] + shift;
      if (v >= p && (best < 0 || v < ys[best] + shift)) best = i;
    }
    return best;
  };
  return probs.map((p) => {
    const first = index(p, tol);
    // A flat exactly at p at the end of the curve: midpoint with the last time followed (R checks
    // this after p = 0, so it wins even there).
    if (first >= 0 && lastKept !== null && Math.abs(p - lastKept) < tol) return (xs[first] + lastTime) / 2;
    if (p === 0) return x[0];
    if (first < 0) return null;
    const second = index(p, -tol);
    return second < 0 ? null : (xs[first] + xs[second]) / 2;
  });
}

interface CurvePoint {
  readonly day: number;
  readonly survival: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * Quantiles of a Kaplan–Meier curve with their interval ends, as `quantile.survfit` gives them
 * for a log-log band. Follow-up starts at 0 (R's default without `start.time`).
 */
export function survivalQuantiles(curve: readonly CurvePoint[], probs: readonly number[]): SurvivalQuantile[] {
  for (const p of probs) if (!(p >= 0 && p <= 1)) throw new RangeError(`a quantile's probability must be from 0 to 1: ${p}`);
  const n = curve.length;
  if (n === 0) return probs.map((p) => ({ p, time: null, lower: null, upper: null }));
  const x: number[] = [0];
  const f: (number | null)[] = [0];
  const fLower: (number | null)[] = [0];
  const fUpper: (number | null)[] = [0];
  for (const r of curve) {
    x.push(r.day);
    f.push(1 - r.survival);
    // R's log-log band is NA where S is 0 or 1 (survfit_confint); Kedja's rows say [S, S].
    const degenerate = r.survival <= 0 || r.survival >= 1;
    fLower.push(degenerate ? null : 1 - r.lower);
    fUpper.push(degenerate ? null : 1 - r.upper);
  }
  const lastTime = curve[n - 1].day;
  const time = stepQuantiles(x, f, probs, lastTime);
  const lower = stepQuantiles(x, fLower, probs, lastTime);
  const upper = stepQuantiles(x, fUpper, probs, lastTime);
  return probs.map((p, i) => ({ p, time: time[i], lower: lower[i], upper: upper[i] }));
}
