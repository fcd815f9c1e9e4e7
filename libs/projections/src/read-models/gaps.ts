import type { PersonFacts } from '@kedja/chain';
import { DAY_MS, type CompactEvent } from './person-history';

/** The hand-offs of CONTRACT.md "Reading" (chain-gaps), by code. */
export const GAP_CODES = [
  'permit-to-settlement',
  'assignment-to-settlement',
  'settlement-to-sfi',
  'settlement-to-civic-orientation',
  'settlement-to-programme',
  'programme-ending-without-outcome',
  'programme-without-activity',
] as const;
export type GapCode = (typeof GAP_CODES)[number];

export type Threshold = { readonly days: number } | { readonly months: number };

// The contract's defaults. Their sources: bosättningslagen (2016:38) gives the municipality two
// months from assignment; SFI is to be offered within three months (skollagen 20 kap. 33 §);
// the others are the regional plans' service levels as the contract states them.
export const DEFAULT_THRESHOLDS: Readonly<Record<GapCode, Threshold>> = {
  'permit-to-settlement': { days: 60 },
  'assignment-to-settlement': { months: 2 },
  'settlement-to-sfi': { months: 3 },
  'settlement-to-civic-orientation': { days: 90 },
  'settlement-to-programme': { days: 60 },
  'programme-ending-without-outcome': { days: 60 },
  'programme-without-activity': { days: 90 },
};

/** The event types each gap is built from: a reader sees a gap only if it may see all of them. */
export const GAP_EVIDENCE: Readonly<Record<GapCode, readonly string[]>> = {
  'permit-to-settlement': ['ResidencePermitGranted', 'SettledInMunicipality'],
  'assignment-to-settlement': ['MunicipalityAssigned', 'SettledInMunicipality'],
  'settlement-to-sfi': ['SettledInMunicipality', 'SfiEnrolled'],
  'settlement-to-civic-orientation': ['SettledInMunicipality', 'CivicOrientationStarted'],
  'settlement-to-programme': ['SettledInMunicipality', 'MigrationCaseOpened', 'EstablishmentProgrammeStarted'],
  'programme-ending-without-outcome': ['EstablishmentProgrammeStarted', 'EmploymentStarted', 'EducationStarted'],
  'programme-without-activity': ['EstablishmentProgrammeStarted', 'InternshipStarted', 'SfiEnrolled'],
};

/**
 * When a hand-off opened (`anchor`, an ISO time). For `programme-ending-without-outcome` the
 * anchor is the planned end, and the gap counts from `threshold` before it.
 */
export interface GapAnchor {
  readonly code: GapCode;
  readonly anchor: string;
}

const ACTIVITY_TYPES = new Set([
  'InternshipStarted', 'InternshipEnded', 'ValidationStarted', 'ValidationCompleted', 'EducationStarted', 'EducationEnded',
  'EmploymentStarted', 'EmploymentEnded', 'BusinessStarted', 'SfiEnrolled', 'SfiCoursePassed', 'SfiDiscontinued',
  'CivicOrientationStarted', 'CivicOrientationCompleted',
]);

export function hasLeft(f: PersonFacts): boolean {
  const reason = f.caseClosed?.reason;
  return reason === 'left-sweden' || reason === 'deceased' || reason === 'withdrawn' || (!f.programme.open && f.programme.ended?.reason === 'moved-abroad');
}

/**
 * The programme is for ages 20–64 (förordning 2017:820) and not for people under temporary
 * protection (massflyktsdirektivet): age is judged at settlement, from the birth year.
 */
export function programmeEligible(f: PersonFacts): boolean {
  if (f.route === 'temporary-protection' || f.permit?.ground === 'temporary-protection') return false;
  if (f.birthYear === undefined || f.firstSettledAt === undefined) return false;
  const age = new Date(Date.parse(f.firstSettledAt)).getUTCFullYear() - f.birthYear;
  return age >= 20 && age <= 64;
}

function hasOpenActivity(f: PersonFacts): boolean {
  return f.internships.length + f.validations.length + f.educations.length + f.employments.length + f.sfi.enrolled.length > 0 || f.civicOrientation.open !== undefined;
}

/** Every hand-off the effective history leaves open, whatever its age; thresholds apply at read time. */
export function openGaps(f: PersonFacts, history: readonly CompactEvent[]): GapAnchor[] {
  if (hasLeft(f)) return [];
  const gaps: GapAnchor[] = [];
  const settled = f.firstSettledAt;
  if (!settled && f.latestDecision === 'granted' && f.permit) gaps.push({ code: 'permit-to-settlement', anchor: f.permit.at });
  const links = f.municipalityHistory;
  const last = links[links.length - 1];
  if (last?.link === 'assigned' && f.assigned) gaps.push({ code: 'assignment-to-settlement', anchor: f.assigned.at });
  if (settled) {
    if (!f.sfi.firstEnrolledAt) gaps.push({ code: 'settlement-to-sfi', anchor: settled });
    if (!f.civicOrientation.firstStartedAt) gaps.push({ code: 'settlement-to-civic-orientation', anchor: settled });
    if (!f.programme.firstStartedAt && programmeEligible(f)) gaps.push({ code: 'settlement-to-programme', anchor: settled });
  }
  const programme = f.programme.open;
  if (programme) {
    if (f.employments.length === 0 && f.educations.length === 0 && !f.business) {
      gaps.push({ code: 'programme-ending-without-outcome', anchor: `${programme.plannedEndDate}T00:00:00.000Z` });
    }
    if (!hasOpenActivity(f)) {
      // Counted from the programme start or the end of the last activity, whichever is later.
      const start = Date.parse(programme.startedAt);
      let latest = start;
      for (const e of history) if (ACTIVITY_TYPES.has(e.type)) latest = Math.max(latest, e.at);
      gaps.push({ code: 'programme-without-activity', anchor: new Date(latest).toISOString() });
    }
  }
  return gaps;
}

function shift(ms: number, threshold: Threshold, sign: 1 | -1): number {
  if ('days' in threshold) return ms + sign * threshold.days * DAY_MS;
  const d = new Date(ms);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + sign * threshold.months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d.getTime();
}

/** The latest anchor of `code` that is past its threshold at `now`: a gap is listed when anchor <= this. */
export function anchorCutoff(code: GapCode, threshold: Threshold, now: number): string {
  return new Date(shift(now, threshold, code === 'programme-ending-without-outcome' ? 1 : -1)).toISOString();
}

/** Since when the gap has been open, and for how many whole days at `now`. */
export function gapAge(gap: GapAnchor, threshold: Threshold, now: number): { since: string; daysOpen: number } {
  const since = gap.code === 'programme-ending-without-outcome' ? shift(Date.parse(gap.anchor), threshold, -1) : Date.parse(gap.anchor);
  return { since: new Date(since).toISOString(), daysOpen: Math.floor((now - since) / DAY_MS) };
}

export function isPastThreshold(gap: GapAnchor, threshold: Threshold, now: number): boolean {
  return gap.anchor <= anchorCutoff(gap.code, threshold, now);
}

/** `60d` or `2m`, as the KEDJA_GAP_* settings are written. */
export function parseThreshold(value: string): Threshold | null {
  const m = /^(\d{1,4})([dm])$/.exec(value.trim());
  if (!m) return null;
  return m[2] === 'd' ? { days: Number(m[1]) } : { months: Number(m[1]) };
}
