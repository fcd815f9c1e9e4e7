// The chi-square upper tail is the regularised upper incomplete gamma function Q(df/2, x/2).
// @stdlib's gammainc computes Q directly (Temme/continued fractions as in Boost), so p-values far
// below 1e-16, usual with 200,000 people, come out as the tiny numbers they are instead of the
// 0 that 1 − cdf rounds to; stdlib is maintained, typed, dependency-light and pure JavaScript.
import gammainc from '@stdlib/math-base-special-gammainc';

/** One group's counts within one stratum: per distinct time, ascending. */
export interface LogRankCell {
  /** Index of the group being compared (0 … groups − 1). */
  readonly group: number;
  /** Index of the stratum; cells of different strata are never pooled at a time. */
  readonly stratum: number;
  readonly times: ArrayLike<number>;
  readonly events: ArrayLike<number>;
  readonly censored: ArrayLike<number>;
}

export interface LogRankTest {
  /** Observed events per group, in group order. */
  readonly observed: number[];
  /** Expected events per group under the null hypothesis (summed over strata). */
  readonly expected: number[];
  /** Null when there is nothing to compare (df 0) or the covariance matrix is singular. */
  readonly chiSquare: number | null;
  /** Groups with expected events > 0, less one (R's survdiff). */
  readonly df: number;
  /** Upper tail of chi-square with `df` degrees of freedom; null with chiSquare. */
  readonly p: number | null;
}

/**
 * The log-rank test (Mantel 1966; Peto & Peto 1972) of equal hazards across `groups` groups, in
 * its stratified form when the cells carry more than one stratum, as R's `survdiff` (rho = 0)
 * computes it: at each time of each stratum, E_j += d·n_j/n and the hypergeometric covariance
 * V_jk += d(n−d)/(n−1) · n_j/n · (δ_jk − n_k/n); observed, expected and V are summed over strata;
 * groups with no expected events are left out, the first remaining group is dropped and
 * χ² = (O−E)ᵀ V⁻¹ (O−E) on the rest.
 */
/**
 * Above this many groups no statistic is computed (chiSquare and p null, observed and expected
 * still given): the covariance costs groups² per distinct time, and a chi-square on hundreds of
 * degrees of freedom (one group per municipality and education level) answers no useful question.
 */
export const MAX_LOG_RANK_GROUPS = 100;

export function logRankTest(groups: number, cells: readonly LogRankCell[]): LogRankTest {
  const withCovariance = groups <= MAX_LOG_RANK_GROUPS;
  const observed = new Array<number>(groups).fill(0);
  const expected = new Array<number>(groups).fill(0);
  const v: number[][] = Array.from({ length: withCovariance ? groups : 0 }, () => new Array<number>(groups).fill(0));

  const strata = new Map<number, LogRankCell[]>();
  for (const c of cells) {
    if (!(c.group >= 0 && c.group < groups)) throw new RangeError(`group index out of range: ${c.group}`);
    let list = strata.get(c.stratum);
    if (list === undefined) strata.set(c.stratum, (list = []));
    list.push(c);
  }

  const atRisk = new Array<number>(groups).fill(0);
  const deaths = new Array<number>(groups).fill(0);
  const leaving = new Array<number>(groups).fill(0);
  for (const list of strata.values()) {
    atRisk.fill(0);
    const pos = list.map(() => 0);
    for (const c of list) {
      for (let i = 0; i < c.times.length; i++) {
        atRisk[c.group] += c.events[i] + c.censored[i];
        observed[c.group] += c.events[i];
      }
    }
    for (;;) {
      let t = Infinity;
      for (let k = 0; k < list.length; k++) if (pos[k] < list[k].times.length && list[k].times[pos[k]] < t) t = list[k].times[pos[k]];
      if (t === Infinity) break;
      deaths.fill(0);
      leaving.fill(0);
      for (let k = 0; k < list.length; k++) {
        const c = list[k];
        if (pos[k] < c.times.length && c.times[pos[k]] === t) {
          deaths[c.group] += c.events[pos[k]];
          leaving[c.group] += c.events[pos[k]] + c.censored[pos[k]];
          pos[k]++;
        }
      }
      let n = 0;
      let d = 0;
      for (let j = 0; j < groups; j++) {
        n += atRisk[j];
        d += deaths[j];
      }
      if (d > 0) {
        for (let j = 0; j < groups; j++) expected[j] += (d * atRisk[j]) / n;
        if (n > 1 && withCovariance) {
          for (let j = 0; j < groups; j++) {
            if (atRisk[j] === 0) continue;
            const tmp = (d * atRisk[j] * (n - d)) / (n * (n - 1));
            v[j][j] += tmp;
            for (let k = 0; k < groups; k++) v[j][k] -= (tmp * atRisk[k]) / n;
          }
        }
      }
      for (let j = 0; j < groups; j++) atRisk[j] -= leaving[j];
    }
  }

  const kept: number[] = [];
  for (let j = 0; j < groups; j++) if (expected[j] > 0) kept.push(j);
  const df = kept.length - 1;
  if (df < 1 || !withCovariance) return { observed, expected, chiSquare: null, df: Math.max(df, 0), p: null };
  const rest = kept.slice(1);
  const diff = rest.map((j) => observed[j] - expected[j]);
  const sub = rest.map((j) => rest.map((k) => v[j][k]));
  const x = solve(sub, diff);
  // R's solve() stops on a singular matrix; an answer says "no test" instead.
  if (x === null) return { observed, expected, chiSquare: null, df, p: null };
  let chiSquare = 0;
  for (let i = 0; i < diff.length; i++) chiSquare += x[i] * diff[i];
  return { observed, expected, chiSquare, df, p: chiSquareUpperTail(chiSquare, df) };
}

/** P(X ≥ x) for X chi-square with `df` degrees of freedom. */
export function chiSquareUpperTail(x: number, df: number): number {
  if (x <= 0) return 1;
  return gammainc(x / 2, df / 2, true, true);
}

/** A·x = b by Gaussian elimination with partial pivoting (A is a small covariance matrix). */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (!(Math.abs(m[pivot][col]) > 1e-300)) return null;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = col + 1; r < n; r++) {
      const f = m[r][col] / m[col][col];
      if (f === 0) continue;
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let c = r + 1; c < n; c++) s -= m[r][c] * x[c];
    x[r] = s / m[r][r];
  }
  return x;
}
