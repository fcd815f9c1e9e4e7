export interface IncidenceRow {
  readonly day: number;
  /** At risk of any exit just before `day`. */
  readonly atRisk: number;
  /** Exits by this cause at `day`. */
  readonly events: number;
  /** Cumulative incidence of this cause by `day` (Aalen–Johansen). */
  readonly incidence: number;
  /** Infinitesimal-jackknife standard error of `incidence`, as R's survfit computes it. */
  readonly stdErr: number;
  /** 95% pointwise interval on the log scale (R's default for multi-state curves); null where the incidence is 0. */
  readonly lower: number | null;
  readonly upper: number | null;
}

export interface CauseIncidence {
  readonly events: number;
  readonly curve: IncidenceRow[];
}

export interface AalenJohansenResult {
  readonly n: number;
  readonly censored: number;
  /** One per cause, in the order of the counts given. */
  readonly causes: CauseIncidence[];
}

const Z_975 = 1.959963984540054;

/**
 * Cumulative incidence of each of several competing exits by the Aalen–Johansen estimator (Aalen
 * & Johansen 1978), from per-time counts: `times` strictly ascending, `events[k][i]` the exits by
 * cause k at times[i], `censored[i]` the censorings there (events before censorings at a tie, as
 * for Kaplan–Meier). With one starting state this is F_k(t) = Σ_{s ≤ t} S(s−) d_k(s)/n(s).
 *
 * The standard error is the one R's survival package reports for `survfit(Surv(time,
 * factor(status)) ~ 1)` (survfitci.c): the infinitesimal jackknife, Var = Σ_i U_i(t)² with U_i the
 * influence of person i on the state probabilities, updated at each event time as U ← U·H plus,
 * for those at risk, the derivative of H. Everyone still at risk has the same influence, and those
 * who have left only move with U·H, so instead of one vector per person this keeps the shared
 * vector of the risk set and the second-moment matrix M = Σ U_iᵀU_i of those who left
 * (M ← HᵀMH): exact, and linear in the number of distinct times rather than people × times.
 * The interval is R's default for these curves, log scale: F·exp(±1.96·se/F), capped at 1.
 */
export function aalenJohansen(times: ArrayLike<number>, events: readonly ArrayLike<number>[], censored: ArrayLike<number>): AalenJohansenResult {
  const causes = events.length;
  const states = causes + 1;
  let atRisk = 0;
  let totalCensored = 0;
  const totals = new Array<number>(causes).fill(0);
  for (let i = 0; i < times.length; i++) {
    totalCensored += censored[i];
    atRisk += censored[i];
    for (let k = 0; k < causes; k++) {
      totals[k] += events[k][i];
      atRisk += events[k][i];
    }
  }
  const n = atRisk;

  const p = new Float64Array(states);
  p[0] = 1;
  let u: Float64Array = new Float64Array(states); // influence shared by everyone at risk
  let m: Float64Array = new Float64Array(states * states); // Σ over people who left of U·Uᵀ
  const h = new Float64Array(states);
  const curves: IncidenceRow[][] = Array.from({ length: causes }, () => []);

  for (let i = 0; i < times.length; i++) {
    let d = 0;
    for (let k = 0; k < causes; k++) d += events[k][i];
    const c = censored[i];
    const variance = new Float64Array(states);
    if (d > 0) {
      // H: row 0 is (1 − d/n, d_1/n, …); the exit states are absorbing (identity rows).
      h[0] = 1 - d / atRisk;
      for (let k = 1; k < states; k++) h[k] = events[k - 1][i] / atRisk;
      m = transform(m, h, states);
      const moved = new Float64Array(states);
      moved[0] = u[0] * h[0];
      for (let k = 1; k < states; k++) moved[k] = u[0] * h[k] + u[k];
      const q = p[0] / atRisk;
      const base = new Float64Array(states);
      for (let k = 0; k < states; k++) base[k] = moved[k] - (h[k] * p[0]) / atRisk;
      const stay = Float64Array.from(base);
      stay[0] += q;
      const leave: Float64Array[] = [];
      for (let k = 1; k < states; k++) {
        const v = Float64Array.from(base);
        v[k] += q;
        leave.push(v);
      }
      const stayers = atRisk - d;
      for (let j = 0; j < states; j++) {
        let s = m[j * states + j] + stayers * stay[j] * stay[j];
        for (let k = 1; k < states; k++) s += events[k - 1][i] * leave[k - 1][j] * leave[k - 1][j];
        variance[j] = s;
      }
      for (let k = 1; k < states; k++) addOuter(m, leave[k - 1], events[k - 1][i], states);
      addOuter(m, stay, c, states);
      u = stay;
      const p0 = p[0];
      p[0] = p0 * h[0];
      for (let k = 1; k < states; k++) p[k] = p0 * h[k] + p[k];
    } else {
      for (let j = 0; j < states; j++) variance[j] = m[j * states + j] + atRisk * u[j] * u[j];
      addOuter(m, u, c, states);
    }
    for (let k = 0; k < causes; k++) {
      const incidence = p[k + 1];
      const stdErr = Math.sqrt(variance[k + 1]);
      let lower: number | null = null;
      let upper: number | null = null;
      if (incidence > 0) {
        const spread = stdErr === 0 ? 0 : Z_975 * (stdErr / incidence);
        lower = Math.exp(Math.log(incidence) - spread);
        upper = Math.min(Math.exp(Math.log(incidence) + spread), 1);
      }
      curves[k].push({ day: times[i], atRisk, events: events[k][i], incidence, stdErr, lower, upper });
    }
    atRisk -= d + c;
  }
  return { n, censored: totalCensored, causes: curves.map((curve, k) => ({ events: totals[k], curve })) };
}

/** HᵀMH for H = identity except row 0 = h. */
function transform(m: Float64Array, h: Float64Array, s: number): Float64Array {
  // (M·H)[a][b] = M[a][0]·h[b] + (b > 0 ? M[a][b] : 0)
  const mh = new Float64Array(s * s);
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) mh[a * s + b] = m[a * s] * h[b] + (b > 0 ? m[a * s + b] : 0);
  }
  // (Hᵀ·MH)[a][b] = h[a]·MH[0][b] + (a > 0 ? MH[a][b] : 0)
  const out = new Float64Array(s * s);
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) out[a * s + b] = h[a] * mh[b] + (a > 0 ? mh[a * s + b] : 0);
  }
  return out;
}

function addOuter(m: Float64Array, v: Float64Array, weight: number, s: number): void {
  if (weight === 0) return;
  for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) m[a * s + b] += weight * v[a] * v[b];
}
