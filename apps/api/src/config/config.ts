import * as path from 'node:path';
import { logFormatFrom, LogFormatError, type LogFormat } from '@kedja/operations';
import { GAP_CODES } from '../reading/views/read-models';
import { loadThresholds, thresholdSetting, type GapThresholds } from '../reading/views/thresholds';
import { DEFAULT_MIN_CELL, MIN_CELL_FLOOR } from '@kedja/access';

/**
 * The one configuration schema, read once at start. A bad setting stops the process with a
 * message naming it; defaults serve the embedded mode and match docker-compose.yml.
 */
export interface KedjaConfig {
  readonly port: number;
  /** `KEDJA_PROJECTOR_PORT` (default 3001): apps/projector's /health and /metrics. */
  readonly projectorPort: number;
  readonly host: string;
  readonly dataDir: string;
  readonly store:
    | { readonly kind: 'sqlite'; readonly file: string; readonly synchronous: 'FULL' | 'NORMAL' }
    | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema?: string };
  /** Issuers whose tokens are accepted; empty means this instance signs its own tokens. */
  readonly issuers: readonly IssuerConfig[];
  readonly bodyLimitBytes: number;
  readonly maxBatch: number;
  /** Run the projections inside the api process (embedded mode) or leave them to apps/projector. */
  readonly projectionsInProcess: boolean;
  readonly logRequests: boolean;
  /** Longest accepted (and minted) token lifetime, `exp` − `iat`, in seconds (KEDJA_TOKEN_MAX_LIFETIME). */
  readonly tokenMaxLifetimeSeconds: number;
  /** With configured issuers, the `aud` every token must carry (KEDJA_AUDIENCE). */
  readonly audience?: string;
  /** Requests per bearer token per minute (KEDJA_RATE_LIMIT); 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  /** `KEDJA_LOG_FORMAT`: json (default off a terminal) or text. */
  readonly logFormat: LogFormat;
  /** `KEDJA_SHUTDOWN_TIMEOUT` (seconds, default 10): from SIGTERM to exit, whatever is in flight. */
  readonly shutdownTimeoutMs: number;
  /** `KEDJA_DB_CONNECT_TIMEOUT` (seconds, default 30): how long a refused database is retried at start. */
  readonly dbConnectTimeoutMs: number;
  /** The chain-gaps view's KEDJA_GAP_* thresholds, checked here so a bad one stops the start. */
  readonly gapThresholds: GapThresholds;
  /** Culling (gallring): how long audit records and, if set, identifiers after case closure are kept. */
  readonly retention: RetentionConfig;
  /** Disclosure control: no aggregate describes fewer than this many people (KEDJA_MIN_CELL). */
  readonly minCell: number;
  /** The web front served at `/` (apps/web, built by `npm run build`). */
  readonly web: WebConfig;
}

export interface RetentionConfig {
  /** Whole years audit records are kept (KEDJA_RETENTION_AUDIT, at least 5). */
  readonly auditYears: number;
  /** Whole years after the case closed that a person's identifiers are kept; null: kept (KEDJA_RETENTION_IDENTIFIERS off). */
  readonly identifierYears: number | null;
}

/** The archives-law minimum for the read log: the database refuses to delete younger audit rows too. */
export const MIN_AUDIT_RETENTION_YEARS = 5;

function years(env: Env, name: string, fallback: number | null, min: number): number | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw.toLowerCase() === 'off' && fallback === null) return null;
  const m = /^(\d{1,3})y$/.exec(raw);
  if (!m) throw new ConfigError(`${name} must be a number of years such as 10y${fallback === null ? ', or off' : ''}, got "${raw}"`);
  const value = Number(m[1]);
  if (value < min) throw new ConfigError(`${name} must be at least ${min}y, got ${raw}`);
  return value;
}

export function loadRetention(env: Env = process.env): RetentionConfig {
  return {
    auditYears: years(env, 'KEDJA_RETENTION_AUDIT', MIN_AUDIT_RETENTION_YEARS, MIN_AUDIT_RETENTION_YEARS)!,
    identifierYears: years(env, 'KEDJA_RETENTION_IDENTIFIERS', null, 1),
  };
}

export interface WebConfig {
  /** Folder of the built front; unset means the build's own `dist/web`. */
  readonly dir?: string;
  /** Sign-in through OpenID Connect (authorization code with PKCE); unset means pasting a token. */
  readonly oidc?: { readonly issuer: string; readonly clientId: string; readonly scope: string; readonly resource?: string };
}

export interface IssuerConfig {
  readonly issuer: string;
  /** A JWKS URL of the issuer, or */
  readonly jwksUri?: string;
  /** a PEM public key (SPKI) and its algorithm. */
  readonly publicKeyPem?: string;
  readonly algorithm?: string;
  readonly audience?: string;
}

export class ConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** A duration: whole seconds, or a number with s, m, h or d (`12h`, `90m`). */
function duration(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d+)\s*(s|m|h|d)?$/i.exec(raw.trim());
  if (!m) throw new ConfigError(`${name} must be a duration such as 3600, 90m or 12h, got "${raw}"`);
  const seconds = Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase() as 's' | 'm' | 'h' | 'd'];
  if (seconds < min || seconds > max) throw new ConfigError(`${name} must be between ${min} s and ${max} s, got ${seconds} s`);
  return seconds;
}

function parseIssuers(raw: string | undefined): IssuerConfig[] {
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('KEDJA_ISSUERS must be a JSON array of {issuer, jwksUri | publicKeyPem, algorithm?, audience?}');
  }
  if (!Array.isArray(parsed)) throw new ConfigError('KEDJA_ISSUERS must be a JSON array');
  return parsed.map((entry, i) => {
    if (typeof entry !== 'object' || entry === null) throw new ConfigError(`KEDJA_ISSUERS[${i}] must be an object`);
    const e = entry as Record<string, unknown>;
    if (typeof e.issuer !== 'string' || e.issuer === '') throw new ConfigError(`KEDJA_ISSUERS[${i}].issuer is required`);
    if (typeof e.jwksUri !== 'string' && typeof e.publicKeyPem !== 'string') {
      throw new ConfigError(`KEDJA_ISSUERS[${i}] needs jwksUri or publicKeyPem`);
    }
    if (typeof e.publicKeyPem === 'string' && typeof e.algorithm !== 'string') {
      throw new ConfigError(`KEDJA_ISSUERS[${i}].algorithm is required with publicKeyPem (e.g. RS256, ES256, EdDSA)`);
    }
    return {
      issuer: e.issuer,
      jwksUri: typeof e.jwksUri === 'string' ? e.jwksUri : undefined,
      publicKeyPem: typeof e.publicKeyPem === 'string' ? e.publicKeyPem : undefined,
      algorithm: typeof e.algorithm === 'string' ? e.algorithm : undefined,
      audience: typeof e.audience === 'string' ? e.audience : undefined,
    };
  });
}

function parseWeb(env: Env, cwd: string, issuers: readonly IssuerConfig[]): WebConfig {
  const dir = env.KEDJA_WEB_DIR ? path.resolve(cwd, env.KEDJA_WEB_DIR) : undefined;
  const issuer = env.KEDJA_WEB_OIDC_ISSUER;
  if (!issuer) return { dir };
  // The front hands the api the provider's access token: one the api could not verify is no sign-in.
  if (!issuers.some((i) => i.issuer === issuer)) throw new ConfigError('KEDJA_WEB_OIDC_ISSUER must be one of the issuers in KEDJA_ISSUERS');
  if (!/^https?:\/\//.test(issuer)) throw new ConfigError('KEDJA_WEB_OIDC_ISSUER must be an http(s) URL');
  const clientId = env.KEDJA_WEB_OIDC_CLIENT_ID;
  if (!clientId) throw new ConfigError('KEDJA_WEB_OIDC_ISSUER needs KEDJA_WEB_OIDC_CLIENT_ID (the front\'s public client id at the provider)');
  return { dir, oidc: { issuer, clientId, scope: env.KEDJA_WEB_OIDC_SCOPE || 'openid', resource: env.KEDJA_WEB_OIDC_RESOURCE || undefined } };
}

/** CONTRACT.md v1.1: tokens live at most 12 hours unless configured otherwise. */
export const DEFAULT_TOKEN_MAX_LIFETIME = 12 * 3600;
export const DEFAULT_AUDIENCE = 'kedja';
/** Requests per token per minute: 20,000 a second. */
export const DEFAULT_RATE_LIMIT = 1_200_000;

function audience(env: Env, issuers: readonly IssuerConfig[]): string | undefined {
  const raw = env.KEDJA_AUDIENCE;
  // An issuer's tokens may be meant for other services too: with configured issuers a token must
  // name this one in `aud` (an issuer's own `audience` in KEDJA_ISSUERS overrides it).
  if (raw === undefined || raw === '') return issuers.length > 0 ? DEFAULT_AUDIENCE : undefined;
  if (!/^[\x21-\x7e]{1,256}$/.test(raw)) throw new ConfigError('KEDJA_AUDIENCE must be 1-256 visible ASCII characters');
  return raw;
}

function gapThresholds(env: Env): GapThresholds {
  const known = new Set(GAP_CODES.map((code) => thresholdSetting(code)));
  const unknown = Object.keys(env).filter((name) => name.startsWith('KEDJA_GAP_') && !known.has(name));
  if (unknown.length > 0) throw new ConfigError(`${unknown[0]} is not a setting; the gap thresholds are ${[...known].join(', ')}`);
  try {
    return loadThresholds(env);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

function logFormat(env: Env, isTty: boolean): LogFormat {
  try {
    return logFormatFrom(env, isTty);
  } catch (error) {
    if (error instanceof LogFormatError) throw new ConfigError(error.message);
    throw error;
  }
}

/** The amendments' floor is not a default one may lower: 1 or 2 would publish single people. */
function minCell(env: Env): number {
  const raw = env.KEDJA_MIN_CELL;
  if (raw !== undefined && raw !== '' && /^\d+$/.test(raw) && Number(raw) < MIN_CELL_FLOOR) {
    throw new ConfigError(`KEDJA_MIN_CELL cannot be below ${MIN_CELL_FLOOR} (disclosure control of aggregates), got ${raw}`);
  }
  return integer(env, 'KEDJA_MIN_CELL', DEFAULT_MIN_CELL, MIN_CELL_FLOOR, 1_000_000);
}

export function loadConfig(env: Env = process.env, cwd = process.cwd(), isTty = Boolean(process.stdout.isTTY)): KedjaConfig {
  const issuers = parseIssuers(env.KEDJA_ISSUERS);
  const dataDir = path.resolve(cwd, env.KEDJA_DATA_DIR || env.DATA_DIR || './data');
  const databaseUrl = env.DATABASE_URL;
  const storeKind = env.KEDJA_STORE || (databaseUrl ? 'postgres' : 'sqlite');
  let store: KedjaConfig['store'];
  if (storeKind === 'sqlite') {
    const sync = (env.KEDJA_SQLITE_SYNCHRONOUS || 'FULL').toUpperCase();
    if (sync !== 'FULL' && sync !== 'NORMAL') throw new ConfigError(`KEDJA_SQLITE_SYNCHRONOUS must be FULL or NORMAL, got "${sync}"`);
    store = { kind: 'sqlite', file: path.join(dataDir, 'kedja.sqlite'), synchronous: sync };
  } else if (storeKind === 'postgres') {
    if (!databaseUrl) throw new ConfigError('KEDJA_STORE=postgres needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/kedja)');
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL must be a postgres:// URL');
    const schema = env.KEDJA_PG_SCHEMA || undefined;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new ConfigError('KEDJA_PG_SCHEMA must be a lower-case SQL identifier');
    store = { kind: 'postgres', connectionString: databaseUrl, schema };
  } else {
    throw new ConfigError(`KEDJA_STORE must be sqlite or postgres, got "${storeKind}"`);
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    projectorPort: integer(env, 'KEDJA_PROJECTOR_PORT', 3001, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir,
    store,
    issuers,
    // 1,000 events of a few hundred bytes each fit well inside 5 MiB; the limit is documented in OpenAPI.
    bodyLimitBytes: integer(env, 'KEDJA_BODY_LIMIT_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    maxBatch: 1000,
    projectionsInProcess: flag(env, 'KEDJA_PROJECTIONS_IN_PROCESS', storeKind === 'sqlite'),
    logRequests: flag(env, 'KEDJA_LOG_REQUESTS', true),
    web: parseWeb(env, cwd, issuers),
    tokenMaxLifetimeSeconds: duration(env, 'KEDJA_TOKEN_MAX_LIFETIME', DEFAULT_TOKEN_MAX_LIFETIME, 60, 30 * 86400),
    audience: audience(env, issuers),
    // Per token, not per address: agencies post from a few gateways. The default is far above
    // what one client reaches on this hardware (the ingest and reading benchmarks peak near
    // 5,000 requests/s with one token), so only a runaway or hostile client meets it.
    rateLimitPerMinute: integer(env, 'KEDJA_RATE_LIMIT', DEFAULT_RATE_LIMIT, 0, 100_000_000),
    logFormat: logFormat(env, isTty),
    shutdownTimeoutMs: integer(env, 'KEDJA_SHUTDOWN_TIMEOUT', 10, 1, 600) * 1000,
    dbConnectTimeoutMs: integer(env, 'KEDJA_DB_CONNECT_TIMEOUT', 30, 0, 600) * 1000,
    gapThresholds: gapThresholds(env),
    retention: loadRetention(env),
    minCell: minCell(env),
  };
}
