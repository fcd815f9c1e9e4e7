import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensurePrivateDirectory, openEventStore, type OpenedEventStore } from '@kedja/event-store';
import { ConfigError, type KedjaConfig } from '../config/config';

/** A failure to reach the database, named as such, with the URL's password removed. */
export class DatabaseUnavailableError extends Error {}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`: the URL names the server, never the password. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured DATABASE_URL';
  }
}

/**
 * The data directory must exist and be writable before anything opens a file in it: the api used
 * to hang on an unwritable KEDJA_DATA_DIR. Refused with a configuration error (exit 2).
 */
export function ensureDataDir(dataDir: string): void {
  try {
    // 0700, and tightened when it exists (CONTRACT.md Amendments v1.1: the data directory is private).
    ensurePrivateDirectory(dataDir);
  } catch (error) {
    throw new ConfigError(`KEDJA_DATA_DIR ${dataDir} cannot be created (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const probe = path.join(dataDir, `.write-probe-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (error) {
    throw new ConfigError(`KEDJA_DATA_DIR ${dataDir} is not writable (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Errors that mean "the server is not (yet) there", worth retrying; anything else (bad password, bad schema) is not. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', '57P03'].includes(code ?? '');
}

export interface OpenStoreOptions {
  readonly onRetry?: (message: string, attempt: number, delayMs: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Opens the configured store as every process does (api, projector, CLI). On PostgreSQL a refused
 * connection is retried with exponential backoff (0.25 s doubling to 5 s) for
 * `KEDJA_DB_CONNECT_TIMEOUT`, so a database that starts a little after Kedja (compose, a restart)
 * does not fail the start; after that the error says it is the database, with the redacted URL.
 */
export async function openConfiguredStore(config: KedjaConfig, options: OpenStoreOptions = {}): Promise<OpenedEventStore> {
  // The data directory holds the SQLite files, and the signing key of an instance without issuers.
  if (config.store.kind === 'sqlite' || config.issuers.length === 0) ensureDataDir(config.dataDir);
  if (config.store.kind === 'sqlite') {
    return openEventStore({ kind: 'sqlite', file: config.store.file, synchronous: config.store.synchronous });
  }
  const { connectionString, schema } = config.store;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + config.dbConnectTimeoutMs;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await openEventStore({ kind: 'postgres', connectionString, schema });
    } catch (error) {
      const reason = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
      const message = `cannot connect to the database at ${redactUrl(connectionString)}: ${reason}`;
      if (!isTransient(error)) throw new DatabaseUnavailableError(message);
      if (Date.now() + delay > deadline) throw new DatabaseUnavailableError(`${message} (gave up after ${attempt} attempt(s); KEDJA_DB_CONNECT_TIMEOUT=${config.dbConnectTimeoutMs / 1000})`);
      options.onRetry?.(message, attempt, delay);
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
}
