import { randomUUID } from 'node:crypto';

/** Builders of valid CloudEvents for e2e tests; fresh ids (and fresh people) per call. */
let counter = 0;

export function dossier(): string {
  counter += 1;
  const n = (Date.now() * 1000 + counter + Math.floor(Math.random() * 1000)) % 100_000_000;
  const digits = String(n).padStart(8, '0');
  return `${digits.slice(0, 2)}-${digits.slice(2)}`;
}

function luhn(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** A valid personnummer (12 digits) born in the given year; `female` picks an even 9th digit. */
export function personnummer(year = 1990, female = false): string {
  const month = String(1 + Math.floor(Math.random() * 12)).padStart(2, '0');
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0');
  let serial = Math.floor(Math.random() * 1000);
  if ((serial % 2 === 0) !== female) serial = (serial + 1) % 1000;
  const body = `${String(year).slice(2)}${month}${day}${String(serial).padStart(3, '0')}`;
  return `${year}${month}${day}${String(serial).padStart(3, '0')}${luhn(body)}`;
}

export interface EventInput {
  type: string;
  subject: string;
  data?: Record<string, unknown>;
  time?: string;
  source?: string;
  id?: string;
  [extra: string]: unknown;
}

/**
 * An event to post. Without a `source` each event gets one of its own: a source belongs to the
 * first actor that posts with it (Amendments v1.1), so one shared default would tie every test's
 * events to whichever actor happened to post first.
 */
export function ce(input: EventInput): Record<string, unknown> {
  const { type, subject, data = {}, time = '2024-03-01T09:00:00+01:00', source = `urn:se:test:system:${randomUUID()}`, id = randomUUID(), ...rest } = input;
  return { specversion: '1.0', id, source, type, time, subject, data, ...rest };
}

export const caseOpened = (dossierNumber: string, data: Record<string, unknown> = {}, extra: Partial<EventInput> = {}) =>
  ce({ type: 'MigrationCaseOpened', subject: `dossier:${dossierNumber}`, source: 'urn:se:migrationsverket:case', data: { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR', ...data }, time: '2020-01-10T10:00:00Z', ...extra });
