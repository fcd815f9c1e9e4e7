import type { AttributeKey, Cohort, PersonAttributes } from '../types';
import { ATTRIBUTE_KEYS } from '../types';

// Bands follow SCB's labour-force tables, with the establishment programme's 20–64 eligibility
// (lag 2017:584) falling on band edges so that "programme age" is a union of whole bands.
const AGE_BANDS: ReadonlyArray<readonly [number, string]> = [
  [20, '0-19'],
  [25, '20-24'],
  [35, '25-34'],
  [45, '35-44'],
  [55, '45-54'],
  [65, '55-64'],
];

export const AGE_BAND_LABELS: readonly string[] = [...AGE_BANDS.map(([, l]) => l), '65+'];

/**
 * Age in completed years is not knowable from a birth year alone, so the age used is the one the
 * person reaches during the start event's calendar year (start year − birth year).
 */
export function ageBand(birthYear: number | null, startYear: number | null): string | null {
  if (birthYear === null || startYear === null) return null;
  const age = startYear - birthYear;
  if (age < 0) return null;
  for (const [below, label] of AGE_BANDS) if (age < below) return label;
  return '65+';
}

export function emptyAttributes(): PersonAttributes {
  return {
    year: null,
    countyCode: null,
    municipalityCode: null,
    gender: null,
    route: null,
    ageBand: null,
    highestEducation: null,
  };
}

export function isAttributeKey(k: string): k is AttributeKey {
  return (ATTRIBUTE_KEYS as readonly string[]).includes(k);
}

type Predicate = (a: PersonAttributes) => boolean;

/** A cohort as one predicate; an unknown attribute never matches a filter on that attribute. */
export function compileCohort(cohort: Cohort | undefined): Predicate | null {
  if (!cohort) return null;
  const tests: Array<[AttributeKey, ReadonlySet<string | number>]> = [];
  for (const key of Object.keys(cohort)) {
    if (!isAttributeKey(key)) throw new RangeError(`unknown cohort attribute: ${key}`);
    const raw = cohort[key];
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    tests.push([key, new Set<string | number>(values as Array<string | number>)]);
  }
  if (tests.length === 0) return null;
  return (a) => {
    for (const [key, allowed] of tests) {
      const v = a[key];
      if (v === null || !allowed.has(v)) return false;
    }
    return true;
  };
}

export function normaliseGroupBy(groupBy: string | readonly string[] | undefined): AttributeKey[] {
  if (groupBy === undefined) return [];
  const keys = typeof groupBy === 'string' ? [groupBy] : [...groupBy];
  for (const k of keys) if (!isAttributeKey(k)) throw new RangeError(`unknown groupBy attribute: ${k}`);
  return [...new Set(keys)] as AttributeKey[];
}
