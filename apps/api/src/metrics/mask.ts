/**
 * Masks personnummer/samordningsnummer (12 or 10 digits, with or without a separator) and
 * dossier numbers (NN-NNNNNN) in text bound for logs or metric labels (OSL; CONTRACT.md).
 */
export function maskPersonalIdentifiers(text: string): string {
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    decoded = text;
  }
  return decoded
    .replace(/\d{2}-\d{6}(?!\d)/g, '**-******')
    .replace(/(?<!\d)(\d{6}|\d{8})[-+]?\d{4}(?!\d)/g, '************');
}
