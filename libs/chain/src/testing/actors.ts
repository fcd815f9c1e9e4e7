import { EXAMPLES } from '../catalogue';
import { countyOfMunicipality } from '../code-lists/municipalities';

/** The catalogue examples' municipality, and one actor code of each kind that posts events there (for tests). */
export const EXAMPLE_MUNICIPALITY = (EXAMPLES.SettledInMunicipality as { municipalityCode: string }).municipalityCode;
export const ACTOR_OF_KIND: Readonly<Record<string, string>> = {
  migrationsverket: 'migrationsverket',
  skatteverket: 'skatteverket',
  arbetsformedlingen: 'arbetsformedlingen',
  forsakringskassan: 'forsakringskassan',
  municipality: `municipality:${EXAMPLE_MUNICIPALITY}`,
  region: `region:${countyOfMunicipality(EXAMPLE_MUNICIPALITY)}`,
};

/** Freezes a value and everything in it, so a test fails if any code changes it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}
