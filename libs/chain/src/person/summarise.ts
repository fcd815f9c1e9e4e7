import { countyOfMunicipality } from '../code-lists/municipalities';
import type { PersonFacts, PersonState } from './state';

export type Phase = 'asylum' | 'refused' | 'permit' | 'settled' | 'establishment' | 'employed' | 'studying' | 'business' | 'left';

export const PHASES: readonly Phase[] = Object.freeze([
  'asylum',
  'refused',
  'permit',
  'settled',
  'establishment',
  'employed',
  'studying',
  'business',
  'left',
]);

export interface Summary {
  readonly phase: Phase;
  readonly municipalityCode: string | null;
  readonly countyCode: string | null;
}

/**
 * The person's current phase, first match wins:
 * 1. left: the migration case closed because the person left Sweden, died or withdrew, or the
 *    programme ended because they moved abroad (closure for citizenship is not leaving);
 * 2. employed: an employment is open (the outcome the chain exists for outranks the steps);
 * 3. business: an own business was started;
 * 4. establishment: the establishment programme is open (education during it is a programme
 *    activity, so it does not turn the person into a student);
 * 5. studying: an education is open;
 * 6. settled: the person settled in a municipality;
 * 7. permit or refused: the later of the latest grant and the latest refusal;
 * 8. asylum: otherwise (the case is open, or nothing is known yet).
 */
export function phaseOf(f: PersonFacts): Phase {
  const closed = f.caseClosed?.reason;
  if (closed === 'left-sweden' || closed === 'deceased' || closed === 'withdrawn') return 'left';
  if (!f.programme.open && f.programme.ended?.reason === 'moved-abroad') return 'left';
  if (f.employments.length > 0) return 'employed';
  if (f.business) return 'business';
  if (f.programme.open) return 'establishment';
  if (f.educations.length > 0) return 'studying';
  if (f.settled) return 'settled';
  if (f.latestDecision === 'granted') return 'permit';
  if (f.latestDecision === 'refused') return 'refused';
  return 'asylum';
}

export function summarise(state: PersonState): Summary {
  const f = state.facts;
  const municipalityCode = f.municipalityCode ?? null;
  return {
    phase: phaseOf(f),
    municipalityCode,
    countyCode: municipalityCode ? (countyOfMunicipality(municipalityCode) ?? null) : null,
  };
}
