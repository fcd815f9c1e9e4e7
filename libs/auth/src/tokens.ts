import { isActorCode } from '@kedja/chain';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  SignJWT, jwtVerify, generateKeyPair, exportJWK, importJWK, importSPKI, createRemoteJWKSet,
  decodeJwt, errors as joseErrors, type JWK, type JWTPayload, type KeyLike,
} from 'jose';

/** The issuer name of an instance that signs its own tokens (no configured issuer). */
export const LOCAL_ISSUER = 'kedja:local';
const ALGORITHM = 'ES256';
const KEY_FILE = 'signing-key.jwk.json';

export const ROLES = ['integration', 'caseworker', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Claims of a verified token, before the actor code is interpreted by the access policy. */
export interface TokenClaims {
  readonly sub: string;
  readonly actor: string;
  readonly roles: readonly Role[];
  readonly iss: string;
  readonly exp: number;
}

export class TokenError extends Error {}

/** CONTRACT.md v1.1: `exp` at most this long after `iat`, unless configured otherwise. */
export const DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600;
/** Clocks drift; an `iat` this far ahead of ours is still accepted, no further. */
export const MAX_IAT_SKEW_SECONDS = 60;

// An actor code of CONTRACT.md with a real kommun or län code: one parser, in @kedja/chain.
export { isActorCode };

interface StoredKey {
  readonly kid: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

/** Loads the instance's own signing key from the data directory, making it on first use. */
export async function loadOrCreateLocalKey(dataDir: string): Promise<StoredKey> {
  const file = path.join(dataDir, KEY_FILE);
  if (fs.existsSync(file)) {
    // Made 0600 by us; one copied in or made by an older version may be looser (CONTRACT.md v1.1).
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    return JSON.parse(fs.readFileSync(file, 'utf8')) as StoredKey;
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const publicJwk = await exportJWK(publicKey);
  const kid = `local-${Date.now().toString(36)}`;
  const stored: StoredKey = { kid, privateJwk, publicJwk };
  // 'wx' so two processes starting at once cannot overwrite each other's key.
  try {
    fs.writeFileSync(file, JSON.stringify(stored), { mode: 0o600, flag: 'wx' });
    return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return JSON.parse(fs.readFileSync(file, 'utf8')) as StoredKey;
    throw error;
  }
}

export interface MintOptions {
  readonly actor: string;
  readonly roles: readonly Role[];
  readonly sub: string;
  /** Lifetime in seconds; at most `maxLifetimeSeconds`, which is also the default. */
  readonly ttlSeconds?: number;
  /** The instance's KEDJA_TOKEN_MAX_LIFETIME; a longer lifetime is refused, not clamped. */
  readonly maxLifetimeSeconds?: number;
}

export async function mintLocalToken(dataDir: string, options: MintOptions): Promise<string> {
  if (!isActorCode(options.actor)) throw new TokenError(`unknown actor code "${options.actor}"`);
  for (const role of options.roles) {
    if (!(ROLES as readonly string[]).includes(role)) throw new TokenError(`unknown role "${role}" (one of ${ROLES.join(', ')})`);
  }
  if (options.roles.length === 0) throw new TokenError('at least one role is needed');
  if (!options.sub) throw new TokenError('sub must not be empty');
  const max = options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS;
  const ttl = options.ttlSeconds ?? max;
  // Zero or less mints a token expired on arrival, which tests of the refusal need.
  if (!Number.isInteger(ttl)) throw new TokenError('the lifetime must be a whole number of seconds');
  if (ttl > max) throw new TokenError(`a lifetime of ${ttl} s is longer than this instance accepts (KEDJA_TOKEN_MAX_LIFETIME, ${max} s)`);
  const key = await loadOrCreateLocalKey(dataDir);
  const privateKey = await importJWK(key.privateJwk, ALGORITHM);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ actor: options.actor, roles: [...options.roles] })
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(LOCAL_ISSUER)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(privateKey);
}

export interface IssuerKeySource {
  readonly issuer: string;
  readonly jwksUri?: string;
  readonly publicKeyPem?: string;
  readonly algorithm?: string;
  readonly audience?: string;
}

type KeyResolver = KeyLike | ReturnType<typeof createRemoteJWKSet>;

export interface VerifierOptions {
  /** KEDJA_TOKEN_MAX_LIFETIME in seconds: the longest `exp` − `iat` accepted. */
  readonly maxLifetimeSeconds?: number;
  /** KEDJA_AUDIENCE: the `aud` tokens of configured issuers must carry (an issuer's own overrides it). */
  readonly audience?: string;
}

/** Verifies bearer tokens against the configured issuers, or the instance's own key. */
export class TokenVerifier {
  private constructor(
    private readonly issuers: Map<string, { key: KeyResolver; audience?: string; algorithms?: string[] }>,
    private readonly maxLifetimeSeconds: number,
  ) {}

  static async create(dataDir: string, issuers: readonly IssuerKeySource[], options: VerifierOptions = {}): Promise<TokenVerifier> {
    const map = new Map<string, { key: KeyResolver; audience?: string; algorithms?: string[] }>();
    if (issuers.length === 0) {
      const local = await loadOrCreateLocalKey(dataDir);
      map.set(LOCAL_ISSUER, { key: (await importJWK(local.publicJwk, ALGORITHM)) as KeyLike, algorithms: [ALGORITHM] });
    }
    for (const issuer of issuers) {
      if (issuer.jwksUri) {
        map.set(issuer.issuer, { key: createRemoteJWKSet(new URL(issuer.jwksUri)), audience: issuer.audience ?? options.audience });
      } else if (issuer.publicKeyPem && issuer.algorithm) {
        map.set(issuer.issuer, {
          key: await importSPKI(issuer.publicKeyPem, issuer.algorithm),
          audience: issuer.audience ?? options.audience,
          algorithms: [issuer.algorithm],
        });
      }
    }
    return new TokenVerifier(map, options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS);
  }

  /**
   * Verified tokens until they expire: an integration posts many requests with one token, and an
   * ECDSA verification per request showed up in ingest profiles. Keyed by the whole token, so a
   * changed token is verified afresh.
   */
  private readonly verified = new Map<string, TokenClaims>();

  async verify(token: string): Promise<TokenClaims> {
    const known = this.verified.get(token);
    if (known && known.exp * 1000 > Date.now()) return known;
    const claims = await this.verifyUncached(token);
    if (this.verified.size >= 10_000) this.verified.clear();
    this.verified.set(token, claims);
    return claims;
  }

  private async verifyUncached(token: string): Promise<TokenClaims> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new TokenError('the token is not a well-formed JWT');
    }
    const issuer = typeof unverified.iss === 'string' ? this.issuers.get(unverified.iss) : undefined;
    if (!issuer) throw new TokenError('the token was not issued by a trusted issuer');
    let payload: JWTPayload;
    try {
      const verifyOptions = {
        issuer: unverified.iss,
        audience: issuer.audience,
        algorithms: issuer.algorithms,
        requiredClaims: ['sub', 'exp'],
      };
      ({ payload } = typeof issuer.key === 'function'
        ? await jwtVerify(token, issuer.key, verifyOptions)
        : await jwtVerify(token, issuer.key, verifyOptions));
    } catch (error) {
      // Each refusal names the rule that failed (never the token or a claim's value).
      if (error instanceof joseErrors.JWTExpired) throw new TokenError('the token has expired');
      if (error instanceof joseErrors.JWTClaimValidationFailed) {
        if (error.claim === 'aud') throw new TokenError('the token is not meant for this service (aud)');
        if (error.claim === 'iat') throw new TokenError('the token has no valid issue time (iat)');
        if (error.claim === 'sub' || error.claim === 'exp') throw new TokenError(`the token has no valid ${error.claim} claim`);
      }
      throw new TokenError('the token could not be verified');
    }
    const { sub, actor, roles, iss, exp, iat } = payload as JWTPayload & { actor?: unknown; roles?: unknown };
    const now = Math.floor(Date.now() / 1000);
    if (typeof exp !== 'number') throw new TokenError('the token has no valid exp claim');
    if (iat !== undefined && iat > now + MAX_IAT_SKEW_SECONDS) throw new TokenError(`the token is issued in the future (iat more than ${MAX_IAT_SKEW_SECONDS} s ahead)`);
    // Without an iat the lifetime counts from now: no token is accepted for longer than the limit.
    if (exp - (iat ?? now) > this.maxLifetimeSeconds) {
      throw new TokenError(`the token lives longer than this service accepts (exp more than ${this.maxLifetimeSeconds} s after iat)`);
    }
    if (typeof sub !== 'string' || sub === '') throw new TokenError('the token has no subject (sub)');
    if (typeof actor !== 'string' || !isActorCode(actor)) throw new TokenError('the token has no valid actor claim');
    if (!Array.isArray(roles) || !roles.every((r) => (ROLES as readonly unknown[]).includes(r))) {
      throw new TokenError('the token has no valid roles claim');
    }
    return { sub, actor, roles: roles as Role[], iss: iss as string, exp: exp as number };
  }
}
