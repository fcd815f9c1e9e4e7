import * as path from 'node:path';

/**
 * The one configuration schema, read once at start. A bad setting stops the process with a
 * message naming it; defaults serve the embedded mode and match docker-compose.yml.
 */
export interface KedjaConfig {
  readonly port: number;
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
  /** The web front served at `/` (apps/web, built by `npm run build`). */
  readonly web: WebConfig;
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

export function loadConfig(env: Env = process.env, cwd = process.cwd()): KedjaConfig {
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
  const issuers = parseIssuers(env.KEDJA_ISSUERS);
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
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
  };
}
