import { closed, employed, event, opened, permit } from '../testing/histories';
import type { AnalyticsEvent, PersonHistory } from '../types';

/**
 * Generated cohorts for the reference check: every person comes with the answer worked out from
 * how they were made (days, and 0 censored / 1 the event / k+1 competing cause k), independently
 * of Kedja's episode code, so that R is given the truth and Kedja the histories.
 *
 * Short spans on purpose: starts within two months across a new year, exits within 90 days and
 * an as-of soon after, so that many people share a day (ties), censorings fall on event days,
 * some exits are reported after the as-of (censored then), some starts are reported late or lie
 * after the as-of (not in the analysis), and some people never start.
 */
export const REFERENCE_QUERY = { from: 'ResidencePermitGranted', to: 'EmploymentStarted' } as const;
export const REFERENCE_COMPETING = ['left-sweden', 'EducationStarted'] as const;
export const REFERENCE_AS_OF = '2017-04-30T12:00:00Z';

export interface TruePerson {
  readonly days: number;
  /** 0 censored, 1 the event, 2 left Sweden, 3 started education (with competing risks). */
  readonly status: number;
  readonly gender: string | null;
  readonly year: number;
}

export interface ReferenceCohort {
  readonly histories: PersonHistory[];
  /** One per person in the analysis, without competing risks (competing exits are not causes). */
  readonly plain: TruePerson[];
  /** The same people when `competing` is REFERENCE_COMPETING. */
  readonly competing: TruePerson[];
}

const DAY = 86_400_000;
const AS_OF_MS = Date.parse(REFERENCE_AS_OF);
const WINDOW_START = Date.parse('2016-12-01T00:00:00Z');

/** mulberry32: a small seeded generator, so that a failing seed can be run again. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const utcDay = (ms: number) => Math.floor(ms / DAY);

interface Exit {
  readonly ms: number;
  readonly recordedMs: number;
  /** 1 employment, 2 left Sweden (a closure), 3 education, 0 a closure for another reason. */
  readonly kind: number;
}

/**
 * `uncensored`: everyone known and exiting within ten days (by a job, or by leaving Sweden or
 * starting education, which censor the plain analysis): small even groups then often sit exactly
 * at S = ½ or ¼ over a flat, where quantile.survfit takes midpoints.
 */
export function referenceCohort(seed: number, size: number, mode: 'mixed' | 'uncensored' = 'mixed'): ReferenceCohort {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const histories: PersonHistory[] = [];
  const plain: TruePerson[] = [];
  const competing: TruePerson[] = [];

  for (let p = 0; p < size; p++) {
    const events: AnalyticsEvent[] = [];
    const gender = rnd() < 0.1 ? null : pick(['female', 'male']);
    // Without a MigrationCaseOpened the gender is unknown (its own group).
    if (gender !== null) events.push(opened('2015-06-01T00:00:00Z', { gender }));
    const kindOfStart = mode === 'uncensored' ? 1 : rnd();
    if (kindOfStart < 0.04) {
      histories.push({ personId: `p${p}`, events }); // never starts
      continue;
    }
    // A start after the as-of had not happened yet.
    const startMs = kindOfStart < 0.09 && kindOfStart >= 0.07 ? AS_OF_MS + 3 * DAY : WINDOW_START + Math.floor(rnd() * 62) * DAY + Math.floor(rnd() * 24) * 3_600_000;
    if (kindOfStart < 0.07) {
      // Reported only after the as-of: not known then, so not in the analysis.
      events.push(permit(iso(startMs), { recordedTime: iso(AS_OF_MS + DAY) }));
      histories.push({ personId: `p${p}`, events });
      continue;
    }
    events.push(permit(iso(startMs)));
    // An employment before the start predates the clock and is ignored.
    if (rnd() < 0.05) events.push(employed(iso(startMs - 5 * DAY)));

    const exits: Exit[] = [];
    const span = mode === 'uncensored' ? 10 : 90;
    const at = () => startMs + Math.floor(rnd() * span) * DAY + Math.floor(rnd() * 20) * 3_600_000;
    const lag = () => (mode === 'mixed' && rnd() < 0.2 ? Math.floor(rnd() * 30) * DAY : 0);
    const draws = mode === 'mixed' && rnd() < 0.3 ? 2 : 1;
    for (let k = 0; k < draws; k++) {
      const u = mode === 'uncensored' ? rnd() * 0.72 : rnd();
      const ms = at();
      const recordedMs = ms + lag();
      if (u < 0.45) {
        exits.push({ ms, recordedMs, kind: 1 });
        events.push(employed(iso(ms), { recordedTime: iso(recordedMs) }));
      } else if (u < 0.6) {
        exits.push({ ms, recordedMs, kind: 2 });
        events.push({ ...closed(iso(ms), 'left-sweden'), recordedTime: iso(recordedMs) });
      } else if (u < 0.72) {
        exits.push({ ms, recordedMs, kind: 3 });
        events.push(event('EducationStarted', iso(ms), { level: 'upper-secondary' }, { recordedTime: iso(recordedMs) }));
      } else if (u < 0.82) {
        exits.push({ ms, recordedMs, kind: 0 });
        events.push({ ...closed(iso(ms), 'withdrawn'), recordedTime: iso(recordedMs) });
      }
    }
    histories.push({ personId: `p${p}`, events });
    if (startMs > AS_OF_MS) continue;

    const visible = exits.filter((e) => e.recordedMs <= AS_OF_MS && e.ms >= startMs);
    const year = new Date(startMs).getUTCFullYear();
    const days = (ms: number) => utcDay(ms) - utcDay(startMs);
    const closureMs = Math.min(AS_OF_MS, ...visible.filter((e) => e.kind === 0 || e.kind === 2).map((e) => e.ms));
    const first = (kinds: number[]) =>
      visible
        .filter((e) => kinds.includes(e.kind))
        // The event wins a tie at one instant; then the causes in the order listed.
        .sort((a, b) => a.ms - b.ms || a.kind - b.kind)[0];
    // Without competing risks only employment ends the clock; a closure of either kind censors.
    const job = first([1]);
    plain.push(job ? { days: days(job.ms), status: 1, gender, year } : { days: days(closureMs), status: 0, gender, year });
    const exit = first([1, 2, 3]);
    const withdrawnMs = Math.min(AS_OF_MS, ...visible.filter((e) => e.kind === 0).map((e) => e.ms));
    competing.push(exit ? { days: days(exit.ms), status: exit.kind, gender, year } : { days: days(withdrawnMs), status: 0, gender, year });
  }
  return { histories, plain, competing };
}

/**
 * 1402 people, half of them employed by day 2 in two steps (6 on day 1, then 695 of the 1396
 * left), so that S(2) = (1396/1402)·(701/1396), exactly one half on paper and 0.5000000000000001
 * in floating point; one more job on day 5, the rest withdrawn on day 9. R's median is (2 + 5)/2.
 */
export function halfCohort(): ReferenceCohort {
  const histories: PersonHistory[] = [];
  const plain: TruePerson[] = [];
  const startMs = Date.parse('2017-01-10T08:00:00Z');
  const add = (days: number, status: number) => {
    const endMs = startMs + days * DAY;
    const exit = status === 1 ? employed(iso(endMs)) : closed(iso(endMs), 'withdrawn');
    histories.push({ personId: `h${histories.length}`, events: [opened('2016-06-01T00:00:00Z', { gender: 'female' }), permit(iso(startMs)), exit] });
    plain.push({ days, status, gender: 'female', year: 2017 });
  };
  for (let i = 0; i < 6; i++) add(1, 1);
  for (let i = 0; i < 695; i++) add(2, 1);
  add(5, 1);
  for (let i = 0; i < 700; i++) add(9, 0);
  return { histories, plain, competing: plain };
}
