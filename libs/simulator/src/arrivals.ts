import * as cal from './calibration';
import type { Route } from './calibration';
import { Random } from './random';

export interface Arrival {
  readonly index: number;
  readonly time: number;
  readonly route: Route;
}

const ROUTES: readonly Route[] = ['asylum', 'resettlement', 'family-ties', 'temporary-protection'];

/** Arrivals of one year by route, before scaling: the SCB asylum figure and the other routes beside it. */
export function yearWeights(year: number): Readonly<Record<Route, number>> {
  return {
    asylum: cal.ASYLUM_SEEKERS[year] ?? 0,
    resettlement: cal.RESETTLEMENT_QUOTA[year] ?? 0,
    'family-ties': cal.familyTiesArrivals(year),
    'temporary-protection': cal.TEMPORARY_PROTECTION[year] ?? 0,
  };
}

/**
 * How many of `persons` arrive in each (year, route), by largest remainder so the counts add up
 * exactly and are proportional to the weights: a test can compare them with SCB's figures.
 */
export function allocate(persons: number, fromYear: number, toYear: number): Array<{ year: number; route: Route; count: number }> {
  const cells: Array<{ year: number; route: Route; weight: number; count: number; rest: number }> = [];
  for (let year = fromYear; year <= toYear; year++) {
    const w = yearWeights(year);
    for (const route of ROUTES) if (w[route] > 0) cells.push({ year, route, weight: w[route], count: 0, rest: 0 });
  }
  const total = cells.reduce((s, c) => s + c.weight, 0);
  if (total === 0) return [];
  let given = 0;
  for (const c of cells) {
    const exact = (persons * c.weight) / total;
    c.count = Math.floor(exact);
    c.rest = exact - c.count;
    given += c.count;
  }
  const byRest = [...cells].sort((a, b) => b.rest - a.rest || a.year - b.year);
  for (let i = 0; given < persons; i++, given++) byRest[i % byRest.length].count++;
  return cells.map(({ year, route, count }) => ({ year, route, count }));
}

function monthlyProfile(year: number, route: Route): readonly number[] | undefined {
  if (route === 'temporary-protection' && year === 2022) return cal.MONTHLY_TP_2022;
  if (year === 2015 && route === 'asylum') return cal.MONTHLY_2015;
  return undefined;
}

/** Time at quantile q of a year whose months carry the given weights (even when none). */
function quantileTime(year: number, q: number, profile: readonly number[] | undefined): number {
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  if (!profile) return start + q * (end - start);
  const total = profile.reduce((s, w) => s + w, 0);
  let acc = 0;
  for (let m = 0; m < 12; m++) {
    const share = profile[m] / total;
    if (q < acc + share || m === 11) {
      const within = share > 0 ? Math.min(1, (q - acc) / share) : 0;
      const ms = Date.UTC(year, m, 1);
      return ms + within * (Date.UTC(year, m + 1, 1) - ms);
    }
    acc += share;
  }
  return end;
}

/**
 * Arrivals in time order with constant memory: within a (year, route) the j-th of n arrives at a
 * jittered j/n quantile of the year's profile (stratified, so already sorted), and the routes of a
 * year are merged by time.
 */
export function* arrivals(persons: number, seed: number, fromYear: number, toYear: number): Generator<Arrival> {
  const cells = allocate(persons, fromYear, toYear);
  let index = 0;
  for (let year = fromYear; year <= toYear; year++) {
    const streams = cells
      .filter((c) => c.year === year && c.count > 0)
      .map((c) => {
        const random = new Random(seed, year, ROUTES.indexOf(c.route), 0x41);
        const profile = monthlyProfile(year, c.route);
        let j = 0;
        const next = (): number | undefined => (j < c.count ? Math.round(quantileTime(year, (j++ + random.next()) / c.count, profile) / 60_000) * 60_000 : undefined);
        return { route: c.route, head: next(), next };
      });
    for (;;) {
      let best: (typeof streams)[number] | undefined;
      for (const s of streams) if (s.head !== undefined && (best === undefined || s.head < best.head!)) best = s;
      if (!best) break;
      yield { index: index++, time: best.head!, route: best.route };
      best.head = best.next();
    }
  }
}
