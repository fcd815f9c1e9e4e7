// Every figure the generator is calibrated against, with its DOMAIN.md source. Figures DOMAIN.md
// does not give are marked "assumed" with the reasoning; they shape realism, not the tested targets.

export type Route = 'asylum' | 'resettlement' | 'family-ties' | 'temporary-protection';

/** Asylum seekers per year, SCB (DOMAIN.md "Arrivals, for calibrating a simulator"). */
export const ASYLUM_SEEKERS: Readonly<Record<number, number>> = {
  2008: 24353, 2009: 24194, 2010: 31819, 2011: 29648, 2012: 43887, 2013: 54259, 2014: 81301,
  2015: 162877, 2016: 28939, 2017: 25666, 2018: 21502, 2019: 21958, 2020: 12991, 2021: 11425,
  2022: 16825, 2023: 12644, 2024: 9645,
};

/**
 * UNHCR quota refugees (DOMAIN.md: 1,900/year in 2016, 5,000/year 2018–2022, 900 in 2023).
 * Assumed: 1,900 for the years before 2016 (the long-standing quota), 3,400 for 2017 (the step up
 * towards 5,000), 900 for 2024 (the 2023 level kept).
 */
export const RESETTLEMENT_QUOTA: Readonly<Record<number, number>> = {
  2008: 1900, 2009: 1900, 2010: 1900, 2011: 1900, 2012: 1900, 2013: 1900, 2014: 1900, 2015: 1900,
  2016: 1900, 2017: 3400, 2018: 5000, 2019: 5000, 2020: 5000, 2021: 5000, 2022: 5000, 2023: 900,
  2024: 900,
};

/**
 * Assumed: relatives joining refugees (anknytning) follow the asylum wave with about a year's lag;
 * a quarter of the previous year's asylum seekers keeps family-ties a clear minority route.
 */
export function familyTiesArrivals(year: number): number {
  return Math.round(0.25 * (ASYLUM_SEEKERS[year - 1] ?? ASYLUM_SEEKERS[year] ?? 0));
}

/**
 * Temporary protection (massflyktsdirektivet) from March 2022: about 50,600 in 2022 (DOMAIN.md).
 * Assumed: 2023 and 2024 at roughly a tenth of that, as new arrivals tailed off.
 */
export const TEMPORARY_PROTECTION: Readonly<Record<number, number>> = { 2022: 50600, 2023: 5500, 2024: 4500 };
export const TEMPORARY_PROTECTION_FROM = Date.UTC(2022, 2, 1);

/**
 * Asylum seekers by month of 2015, thousands (assumed from Migrationsverket's monthly statistics:
 * the wave peaked in October–November). Other years arrive evenly.
 */
export const MONTHLY_2015 = [5.9, 4.4, 4.6, 4.0, 4.6, 5.4, 8.6, 11.0, 24.3, 39.2, 36.7, 13.6];
/** Assumed: Ukrainians arrived mostly in the first months after the invasion. */
export const MONTHLY_TP_2022 = [0, 0, 17, 11, 5, 3, 2.5, 2.5, 2.5, 2.5, 2.3, 2.3];

/** 2015: about 70% men (DOMAIN.md). Assumed about 60% in other years for asylum. */
export function shareMenAsylum(year: number): number {
  return year === 2015 ? 0.7 : year === 2014 || year === 2016 ? 0.64 : 0.6;
}
/** Assumed: family reunification brings mostly wives and children; Ukrainians mostly women and children. */
export const SHARE_MEN: Readonly<Record<Exclude<Route, 'asylum'>, number>> = {
  resettlement: 0.5,
  'family-ties': 0.35,
  'temporary-protection': 0.3,
};

/**
 * Unaccompanied minors per year. 2015: 35,369 (DOMAIN.md). Assumed from Migrationsverket's annual
 * figures for the other years (about 1,500–7,000 before the wave, under 1,000 after 2018).
 */
export const UNACCOMPANIED_MINORS: Readonly<Record<number, number>> = {
  2008: 1510, 2009: 2250, 2010: 2393, 2011: 2657, 2012: 3578, 2013: 3852, 2014: 7049, 2015: 35369,
  2016: 2199, 2017: 1336, 2018: 944, 2019: 904, 2020: 500, 2021: 497, 2022: 523, 2023: 420, 2024: 300,
};

/**
 * Asylum processing time in days by application year: about 406 for 2015 applications, 233 for
 * 2016, about 90 for new 2017 cases (DOMAIN.md). Assumed: about 4–5 months before the wave, rising
 * in 2014 as the backlog grew, and about 90 days kept for 2017 onward.
 */
export function processingDays(year: number): number {
  if (year <= 2013) return 130;
  if (year === 2014) return 180;
  if (year === 2015) return 406;
  if (year === 2016) return 233;
  return 90;
}

/** Assumed first-instance refusal shares: low during the Syrian wave, higher before and after. */
export function refusalShare(year: number): number {
  if (year <= 2011) return 0.6;
  if (year <= 2014) return 0.45;
  if (year <= 2016) return 0.35;
  if (year <= 2021) return 0.6;
  return 0.65;
}

/**
 * Wait in Migrationsverket's housing (ABO) after a permit, typical days by year of the permit:
 * 152 (2014–15), 120 (2017–18), 71 (2021) (DOMAIN.md). Assumed in between and around those.
 */
export function waitAfterPermitDays(permitYear: number): number {
  if (permitYear <= 2013) return 140;
  if (permitYear <= 2015) return 152;
  if (permitYear === 2016) return 140;
  if (permitYear <= 2018) return 120;
  if (permitYear <= 2020) return 90;
  if (permitYear === 2021) return 71;
  return 65;
}
/** Spread of the wait around its typical value (log-normal sigma). */
export const WAIT_SIGMA = 0.35;

/** Assumed: about half of asylum seekers arrange their own housing (EBO) during the asylum process. */
export const SHARE_EBO = 0.45;
/** Assumed: nearly everyone in own housing stays there when settling. */
export const SHARE_EBO_SELF_ARRANGED = 0.92;
/**
 * Self-arranged settlement: an estimated 45,000 self-settled against 21,700 assigned in 2016, over
 * two thirds in 2020 (DOMAIN.md), so about two thirds overall. The ABO residents' share is derived
 * so that asylum-route settlement as a whole lands on the target.
 */
export function shareSelfArranged(permitYear: number): number {
  return permitYear >= 2020 ? 0.7 : 0.67;
}
export function shareAboSelfArranged(permitYear: number): number {
  return (shareSelfArranged(permitYear) - SHARE_EBO * SHARE_EBO_SELF_ARRANGED) / (1 - SHARE_EBO);
}

/** Bosättningslagen (2016:38) in force 1 March 2016: settlement within 2 months of assignment. */
export const SETTLEMENT_ACT_FROM = Date.UTC(2016, 2, 1);
/** Temporary permits the norm from 20 July 2016 (DOMAIN.md); 3 years refugees, 13 months subsidiary. */
export const TEMPORARY_PERMITS_FROM = Date.UTC(2016, 6, 20);
/** Establishment plan from 1 December 2010 (DOMAIN.md); before that municipal introduction, no events. */
export const ESTABLISHMENT_FROM = Date.UTC(2010, 11, 1);
/** Ages 20–64 (DOMAIN.md). */
export const ESTABLISHMENT_MIN_AGE = 20;
export const ESTABLISHMENT_MAX_AGE = 64;
/** SFI is a right from 16 (DOMAIN.md). */
export const SFI_MIN_AGE = 16;
/** Civic orientation at least 60 hours, 100 from 2020 (DOMAIN.md). */
export function civicOrientationHours(year: number): number {
  return year >= 2020 ? 100 : 60;
}

/** SFI study paths of 2015 enrolment: 12% path 1, 42% path 2, 46% path 3 (DOMAIN.md). */
export const SFI_PATH_SHARES: ReadonlyArray<readonly [1 | 2 | 3, number]> = [[1, 0.12], [2, 0.42], [3, 0.46]];
export const SFI_COURSES: Readonly<Record<1 | 2 | 3, readonly ('A' | 'B' | 'C' | 'D')[]>> = {
  1: ['A', 'B', 'C', 'D'],
  2: ['B', 'C', 'D'],
  3: ['C', 'D'],
};
/**
 * Of 2014 beginners 65% passed at least one course within 2–3 years, 23% dropped out or paused,
 * 12% still studying (DOMAIN.md).
 */
export const SFI_OUTCOMES = { passed: 0.65, droppedOut: 0.23, stillStudying: 0.12 } as const;

/**
 * Employment some years after settlement: after 5 years 43% of men and 26% of women, about 60%
 * after 10 years (DOMAIN.md). The generator's hazard parameters below were tuned to these (see
 * the calibration test); women's first job comes much later, not merely less often.
 */
export const EMPLOYMENT_TARGETS = { men5: 0.43, women5: 0.26, all10: 0.6 } as const;
export const FIRST_JOB = {
  male: { scaleYears: 5.4, shape: 1.6, everShare: 0.86 },
  female: { scaleYears: 7.9, shape: 1.7, everShare: 0.8 },
} as const;
/** Assumed: most jobs last; a minority ends within a few years and is followed by another. */
export const JOB_END_SHARE = 0.3;
