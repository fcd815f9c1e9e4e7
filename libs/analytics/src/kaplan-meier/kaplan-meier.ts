import { survivalQuantiles } from './quantile';

export interface SurvivalObservation {
  readonly time: number;
  /** true when the event was observed at `time`, false when the observation was censored there. */
  readonly event: boolean;
}

export interface KaplanMeierRow {
  /** The time, in the unit of the observations (days in this product). */
  readonly day: number;
  readonly atRisk: number;
  readonly events: number;
  readonly censored: number;
  readonly survival: number;
  /** Greenwood's variance of S(day); null once everyone at risk has had the event (S = 0). */
  readonly variance: number | null;
  readonly stdErr: number | null;
  /** Pointwise 95% confidence interval of S(day), log-log transformed. */
  readonly lower: number;
  readonly upper: number;
}

export interface ConfidenceInterval {
  readonly lower: number | null;
  readonly upper: number | null;
}

export interface KaplanMeierResult {
  readonly n: number;
  readonly events: number;
  readonly censored: number;
  readonly curve: KaplanMeierRow[];
  /** R's `quantile.survfit` median (see quantile.ts); null when the curve never gets there. */
  readonly median: number | null;
  readonly medianCi: ConfidenceInterval;
}

export interface HorizonShare {
  readonly day: number;
  /** 1 − S(day): the estimated share that reached the event by `day`; null beyond follow-up. */
  readonly share: number | null;
}

export const DEFAULT_HORIZONS: readonly number[] = [90, 365, 730];

const Z_975 = 1.959963984540054;
/** The probabilities R's `quantile` asks for by default; the median is taken from this call. */
export const DEFAULT_QUANTILES: readonly number[] = [0.25, 0.5, 0.75];

/**
 * Product-limit estimator (Kaplan & Meier 1958) from raw observations. Observations are sorted
 * once; the work after that is linear in the number of distinct times.
 */
export function kaplanMeier(observations: Iterable<SurvivalObservation>): KaplanMeierResult {
  const obs = Array.from(observations);
  for (const o of obs) {
    if (!Number.isFinite(o.time)) throw new RangeError(`survival time must be finite: ${o.time}`);
  }
  obs.sort((a, b) => a.time - b.time);
  const times: number[] = [];
  const events: number[] = [];
  const censored: number[] = [];
  for (const o of obs) {
    const last = times.length - 1;
    if (last < 0 || times[last] !== o.time) {
      times.push(o.time);
      events.push(0);
      censored.push(0);
    }
    if (o.event) events[times.length - 1]++;
    else censored[times.length - 1]++;
  }
  return kaplanMeierFromCounts(times, events, censored);
}

/**
 * Product-limit estimator from per-time counts; `times` strictly ascending.
 *
 * Conventions:
 * - Ties: at a time with both events and censorings, the events happen first, so those censored
 *   at t are still at risk at t (Kaplan & Meier 1958; Kalbfleisch & Prentice 2002, §1.4).
 * - Variance: Greenwood (1926), Var S(t) = S(t)² Σ d/(n(n−d)).
 * - Pointwise 95% CI on the log-log scale (Kalbfleisch & Prentice 2002, §1.4):
 *   S^exp(±z·σ/|ln S|) with σ² = Σ d/(n(n−d)). Chosen over the plain Greenwood interval because it
 *   stays inside [0, 1] without truncation and covers better in the small groups a fine groupBy
 *   produces (Borgan & Liestøl 1990; Klein & Moeschberger 2003, §4.3); it is also what SAS PROC
 *   LIFETEST uses by default for the median's interval.
 * - Median and its CI: R's `quantile.survfit` (quantile.ts): the first t with S(t) ≤ 0.5, the
 *   midpoint of a flat exactly at 0.5, and the same rule on the log-log band for the interval
 *   (Brookmeyer & Crowley 1982); a limit the band never reaches is null.
 */
export function kaplanMeierFromCounts(
  times: ArrayLike<number>,
  events: ArrayLike<number>,
  censored: ArrayLike<number>,
): KaplanMeierResult {
  let atRisk = 0;
  let totalEvents = 0;
  let totalCensored = 0;
  for (let i = 0; i < times.length; i++) {
    totalEvents += events[i];
    totalCensored += censored[i];
  }
  atRisk = totalEvents + totalCensored;
  const n = atRisk;

  const curve: KaplanMeierRow[] = new Array(times.length);
  let survival = 1;
  let greenwood = 0;
  for (let i = 0; i < times.length; i++) {
    const d = events[i];
    const c = censored[i];
    if (d > 0) {
      survival *= (atRisk - d) / atRisk;
      greenwood += atRisk === d ? Infinity : d / (atRisk * (atRisk - d));
    }
    let variance: number | null;
    let lower: number;
    let upper: number;
    if (survival <= 0) {
      survival = 0;
      variance = null;
      lower = 0;
      upper = 0;
    } else if (greenwood === 0) {
      variance = 0;
      lower = survival;
      upper = survival;
    } else {
      variance = survival * survival * greenwood;
      const logS = Math.log(survival);
      const spread = Math.exp((Z_975 * Math.sqrt(greenwood)) / Math.abs(logS));
      lower = Math.pow(survival, spread);
      upper = Math.pow(survival, 1 / spread);
    }
    const day = times[i];
    curve[i] = {
      day,
      atRisk,
      events: d,
      censored: c,
      survival,
      variance,
      stdErr: variance === null ? null : Math.sqrt(variance),
      lower,
      upper,
    };
    atRisk -= d + c;
  }
  const median = survivalQuantiles(curve, DEFAULT_QUANTILES)[1];
  return {
    n,
    events: totalEvents,
    censored: totalCensored,
    curve,
    median: median.time,
    medianCi: { lower: median.lower, upper: median.upper },
  };
}

/**
 * The share that reached the event by each horizon, 1 − S(h), with S the right-continuous step
 * function of the curve. Past the last observed time the estimator says nothing (nobody was
 * followed that long), so the share is null there unless the curve already reached 0.
 */
export function shareByHorizon(
  curve: readonly Pick<KaplanMeierRow, 'day' | 'survival'>[],
  horizons: readonly number[] = DEFAULT_HORIZONS,
): HorizonShare[] {
  const lastDay = curve.length > 0 ? curve[curve.length - 1].day : -Infinity;
  const endsAtZero = curve.length > 0 && curve[curve.length - 1].survival === 0;
  return horizons.map((h) => {
    if (h > lastDay && !endsAtZero) return { day: h, share: null };
    let lo = 0;
    let hi = curve.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (curve[mid].day <= h) lo = mid + 1;
      else hi = mid;
    }
    const s = lo === 0 ? 1 : curve[lo - 1].survival;
    return { day: h, share: 1 - s };
  });
}
