// CONTRACT.md "Reading": the service never logs or counts a path with a personnummer or dossier
// number in clear. Masking errs towards masking too much: a false positive costs a log line its
// detail, a false negative puts a personal identifier in a log that many people can read.

export const PNR_MASK = '{pnr}';
export const DOSSIER_MASK = '{dossier}';

// Month 01–12; day 01–31, or 61–91 for a samordningsnummer (day + 60, SKV). Used only where a
// bare digit run could be something else (a Unix timestamp, a company's organisationsnummer,
// whose "month" is 20 or more): the 12-digit form is masked whatever its date.
const DATE_MMDD = '(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01]|6[1-9]|[78]\\d|9[01])';

// The UUID alternative comes first so that a product person id whose last group happens to be
// twelve digits is consumed whole and left alone: person:<uuid> is what clients are told to use.
const IDENTIFIERS = new RegExp(
  [
    '(?<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})',
    // YYYYMMDDNNNN, YYYYMMDD-NNNN, YYYYMMDD+NNNN
    '(?<pnr12>(?<!\\d)\\d{8}[-+]?\\d{4}(?!\\d))',
    // YYMMDD-NNNN, YYMMDD+NNNN (100 years or older), YYMMDDNNNN
    `(?<pnr10>(?<!\\d)\\d{2}${DATE_MMDD}[-+]?\\d{4}(?!\\d))`,
    // Migrationsverket's dossier number NN-NNNNNN
    '(?<dossier>(?<!\\d)\\d{2}-\\d{6}(?!\\d))',
  ].join('|'),
  'g',
);

export function maskSubject(text: string): string {
  return text.replace(IDENTIFIERS, (match, ...args) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    if (groups.uuid !== undefined) return match;
    return groups.dossier !== undefined ? DOSSIER_MASK : PNR_MASK;
  });
}

export function containsPersonalIdentifier(text: string): boolean {
  return maskSubject(text) !== text;
}
