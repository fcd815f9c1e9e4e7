import { MUNICIPALITIES } from '@kedja/chain';
import type { Route } from './calibration';
import { WeightedTable, type Random } from './random';

export const ALL_MUNICIPALITIES: readonly string[] = MUNICIPALITIES.map((m) => m.code);

/**
 * Assumed: people who arrange their own housing cluster in the metropolitan areas and a few
 * industrial towns; the rest of the country shares the remainder evenly.
 */
const POPULAR: ReadonlyArray<readonly [string, number]> = [
  ['0180', 40], ['1480', 25], ['1280', 22], ['0380', 8], ['0181', 10], ['0127', 8], ['0126', 6],
  ['0581', 6], ['0580', 5], ['1880', 6], ['1980', 5], ['0680', 5], ['2281', 3], ['0780', 3],
  ['1283', 5], ['1380', 3], ['1490', 4], ['0184', 4], ['0123', 4], ['2180', 3],
];
const POPULAR_SET = new Set(POPULAR.map(([code]) => code));
const SELF_ARRANGED_WEIGHTS = new WeightedTable<string>([
  ...POPULAR,
  ...ALL_MUNICIPALITIES.filter((code) => !POPULAR_SET.has(code)).map((code) => [code, 0.35] as const),
]);

export function selfArrangedMunicipality(random: Random): string {
  return random.fromTable(SELF_ARRANGED_WEIGHTS);
}

/** Assignment spreads people over every municipality (bosättningslagen 2016:38: all must receive). */
export function assignedMunicipality(random: Random): string {
  return random.pick(ALL_MUNICIPALITIES);
}

/** Assumed: Migrationsverket's own housing was in smaller towns with vacant flats more than in cities. */
export function receptionMunicipality(random: Random): string {
  return random.chance(0.25) ? selfArrangedMunicipality(random) : random.pick(ALL_MUNICIPALITIES);
}

type Mix = ReadonlyArray<readonly [string, number]>;

/** Assumed from Migrationsverket's top citizenships per period; XXA = stateless, XXX = unknown. */
const CITIZENSHIP_BY_PERIOD: ReadonlyArray<readonly [number, Mix]> = [
  [2011, [['IRQ', 25], ['SOM', 20], ['AFG', 12], ['SRB', 8], ['XXA', 8], ['ERI', 6], ['IRN', 6], ['RUS', 5], ['SYR', 3], ['XXX', 3], ['MNG', 4]]],
  [2013, [['SYR', 30], ['SOM', 14], ['AFG', 12], ['ERI', 10], ['XXA', 10], ['IRQ', 6], ['ALB', 5], ['SRB', 5], ['IRN', 4], ['XXX', 4]]],
  [2016, [['SYR', 38], ['AFG', 20], ['IRQ', 13], ['XXA', 7], ['ERI', 6], ['SOM', 4], ['IRN', 3], ['ALB', 2], ['XXX', 3], ['ETH', 2], ['UKR', 2]]],
  [2021, [['SYR', 20], ['IRQ', 10], ['AFG', 10], ['IRN', 8], ['GEO', 8], ['UZB', 7], ['ERI', 7], ['XXA', 7], ['SOM', 5], ['UKR', 4], ['TUR', 5], ['XXX', 3], ['RUS', 2]]],
  [9999, [['SYR', 14], ['AFG', 12], ['UZB', 10], ['IRQ', 8], ['IRN', 8], ['TUR', 8], ['ERI', 6], ['XXA', 6], ['RUS', 7], ['SOM', 5], ['GEO', 6], ['UKR', 5], ['XXX', 3]]],
];
const RESETTLEMENT_CITIZENSHIP: Mix = [['SYR', 40], ['COD', 15], ['AFG', 12], ['ERI', 10], ['SOM', 10], ['SDN', 8], ['XXA', 5]];
const FAMILY_CITIZENSHIP: Mix = [['SYR', 40], ['ERI', 20], ['SOM', 15], ['AFG', 15], ['IRQ', 10]];

export function citizenship(route: Route, year: number, random: Random): string {
  if (route === 'temporary-protection') return 'UKR';
  if (route === 'resettlement') return random.weighted(RESETTLEMENT_CITIZENSHIP);
  if (route === 'family-ties') return random.weighted(FAMILY_CITIZENSHIP);
  const mix = CITIZENSHIP_BY_PERIOD.find(([until]) => year <= until)![1];
  return random.weighted(mix);
}

/** Civic orientation is given in the person's own language: the likeliest for each citizenship. */
const LANGUAGE: Readonly<Record<string, string>> = {
  SYR: 'ar', IRQ: 'ar', SDN: 'ar', XXA: 'ar', XXX: 'ar', AFG: 'fa', IRN: 'fa', SOM: 'so', ERI: 'ti',
  ETH: 'am', SRB: 'sr', ALB: 'sq', RUS: 'ru', UKR: 'uk', GEO: 'ka', UZB: 'uz', TUR: 'tr', MNG: 'mn', COD: 'fr',
};
export function languageOf(citizenshipCode: string): string {
  return LANGUAGE[citizenshipCode] ?? 'en';
}

/** SSYK 2012 unit groups common in newly arrived people's first jobs and internships. */
export const ENTRY_OCCUPATIONS = ['9412', '9111', '5321', '5120', '4321', '8332', '5311', '5312', '7231', '5223', '7112', '8331', '9331'] as const;
/** Occupations of people with post-secondary schooling, including the healthcare professions. */
export const SKILLED_OCCUPATIONS = ['2211', '2221', '2341', '2512', '7411'] as const;
export const HEALTHCARE_OCCUPATIONS = new Set(['2211', '2221']);
