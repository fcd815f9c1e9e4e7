// CONTRACT.md "Reading" and v1.1 "Personal data in what the service writes": the service never
// logs or counts a path with a personnummer or dossier number in clear, in any encoding a client
// can send. The search itself lives with the identifier rules in @kedja/chain (identifier-search),
// so that validation (free text, error bodies) and masking (logs, metrics) agree on what an
// identifier is; masking errs towards masking too much.
import { DOSSIER_MASK, PNR_MASK, containsPersonalIdentifier as holdsIdentifier, maskPersonalIdentifiers } from '@kedja/chain';

export { DOSSIER_MASK, PNR_MASK };

export function maskSubject(text: string): string {
  return maskPersonalIdentifiers(text);
}

export function containsPersonalIdentifier(text: string): boolean {
  return holdsIdentifier(text);
}
