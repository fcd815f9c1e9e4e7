import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { POSTGRES_TEST_URL } from '../../libs/event-store/src/contract/postgres-test-support';
import type { TestApp } from '../support/test-app';

/** Every form a personnummer is written in: 12 and 10 digits, with a hyphen, with a plus (100 years or older). */
export function pnrForms(pnr: string): string[] {
  const ten = pnr.slice(2);
  return [pnr, ten, `${ten.slice(0, 6)}-${ten.slice(6)}`, `${ten.slice(0, 6)}+${ten.slice(6)}`, `${pnr.slice(0, 8)}-${pnr.slice(8)}`];
}

/** A dossier number as posted (NN-NNNNNN) and as bare digits. */
export function dossierForms(dossier: string): string[] {
  return [dossier, dossier.replace('-', '')];
}

/**
 * The bytes an adversary with the database would have: on SQLite the database file and its
 * write-ahead log as they are on disk; on PostgreSQL the output of `pg_dump` of the app's schema.
 */
export function databaseBytes(app: TestApp): Buffer {
  const store = app.config.store;
  if (store.kind === 'sqlite') {
    const parts = [store.file, `${store.file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f));
    return Buffer.concat(parts);
  }
  return execFileSync('pg_dump', ['--dbname', POSTGRES_TEST_URL, '--schema', store.schema!, '--no-owner'], { maxBuffer: 512 * 1024 * 1024 });
}

/** Which of `needles` occur in `haystack` (as UTF-8 bytes, which both stores write text in). */
export function found(haystack: Buffer, needles: readonly string[]): string[] {
  return needles.filter((needle) => haystack.includes(Buffer.from(needle, 'utf8')));
}
