// Source: SCB, "Län och kommuner i kodnummerordning" (länskoder), status 1 January 2025,
// unchanged for 2026: 21 counties (län). Each county has one region (healthcare) and one
// county administrative board (länsstyrelse) sharing the länskod.

export interface County {
  readonly code: string;
  readonly name: string;
}

export const COUNTIES: readonly County[] = Object.freeze(
  (
    [
      ['01', 'Stockholms län'],
      ['03', 'Uppsala län'],
      ['04', 'Södermanlands län'],
      ['05', 'Östergötlands län'],
      ['06', 'Jönköpings län'],
      ['07', 'Kronobergs län'],
      ['08', 'Kalmar län'],
      ['09', 'Gotlands län'],
      ['10', 'Blekinge län'],
      ['12', 'Skåne län'],
      ['13', 'Hallands län'],
      ['14', 'Västra Götalands län'],
      ['17', 'Värmlands län'],
      ['18', 'Örebro län'],
      ['19', 'Västmanlands län'],
      ['20', 'Dalarnas län'],
      ['21', 'Gävleborgs län'],
      ['22', 'Västernorrlands län'],
      ['23', 'Jämtlands län'],
      ['24', 'Västerbottens län'],
      ['25', 'Norrbottens län'],
    ] as const
  ).map(([code, name]) => Object.freeze({ code, name })),
);

const CODES: ReadonlySet<string> = new Set(COUNTIES.map((c) => c.code));

export function isCountyCode(code: unknown): code is string {
  return typeof code === 'string' && CODES.has(code);
}

export function countyByCode(code: string): County | undefined {
  return COUNTIES.find((c) => c.code === code);
}
