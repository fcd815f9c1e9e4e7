import * as oauth from 'oauth4webapi';

/**
 * The access token lives in sessionStorage only (gone with the tab, never in localStorage or an
 * address), so a reload keeps the caseworker signed in but no other tab or later visit sees it.
 */
const TOKEN_KEY = 'kedja.token';
const PENDING_KEY = 'kedja.oidc.pending';

export interface Who {
  readonly sub: string;
  readonly actor: string;
  readonly roles: readonly string[];
  readonly exp: number;
}

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
  readonly resource?: string;
}

export interface AppConfig {
  readonly oidc: OidcSettings | null;
  readonly demoTokens: readonly { label: string; token: string }[];
}

export async function loadAppConfig(): Promise<AppConfig> {
  const response = await fetch('/app-config.json', { cache: 'no-store' });
  if (!response.ok) return { oidc: null, demoTokens: [] };
  return (await response.json()) as AppConfig;
}

/** The claims the pages are chosen by. Not a verification: the api verifies every call. */
export function claimsOf(token: string): Who | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
    if (typeof claims.sub !== 'string' || typeof claims.actor !== 'string' || typeof claims.exp !== 'number') return null;
    const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
    return { sub: claims.sub, actor: claims.actor, roles, exp: claims.exp };
  } catch {
    return null;
  }
}

export function storedToken(): string | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const who = token ? claimsOf(token) : null;
  if (!token || !who || who.exp * 1000 <= Date.now()) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return token;
}

export function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(PENDING_KEY);
}

const redirectUri = () => `${location.origin}/`;

async function discover(settings: OidcSettings): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(settings.issuer);
  // Plain http is accepted only when the operator configured an http issuer (a loopback test provider).
  const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: issuer.protocol === 'http:' });
  return oauth.processDiscoveryResponse(issuer, response);
}

/** Starts the authorization code flow with PKCE: the verifier stays in this tab's sessionStorage. */
export async function beginOidcSignIn(settings: OidcSettings): Promise<void> {
  const as = await discover(settings);
  if (!as.authorization_endpoint) throw new Error('the provider names no authorization endpoint');
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, nonce }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', settings.scope);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  url.searchParams.set('nonce', nonce);
  if (settings.resource) url.searchParams.set('resource', settings.resource);
  location.assign(url.href);
}

/**
 * Finishes a sign-in when the provider sent the browser back with ?code=: exchanges the code with
 * the PKCE verifier, keeps the access token and takes the code out of the address at once.
 * Answers null when this page load is no sign-in return.
 */
export async function completeOidcSignIn(settings: OidcSettings): Promise<string | null> {
  const current = new URL(location.href);
  if (!current.searchParams.has('code') && !current.searchParams.has('error')) return null;
  const pendingRaw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', '/');
  if (!pendingRaw) throw new Error('no sign-in was started in this tab');
  const pending = JSON.parse(pendingRaw) as { verifier: string; state: string; nonce: string };
  const as = await discover(settings);
  const client: oauth.Client = { client_id: settings.clientId };
  const params = oauth.validateAuthResponse(as, client, current, pending.state);
  const insecure = new URL(settings.issuer).protocol === 'http:';
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), pending.verifier, {
    [oauth.allowInsecureRequests]: insecure,
    ...(settings.resource ? { additionalParameters: { resource: settings.resource } } : {}),
  });
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: pending.nonce, requireIdToken: settings.scope.split(' ').includes('openid') });
  keepToken(result.access_token);
  return result.access_token;
}
