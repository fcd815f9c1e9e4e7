// A real OpenID Connect provider (panva's oidc-provider) on loopback for the browser tests: the
// front signs in against it with the authorization code flow and PKCE, and the api verifies the
// JWT access tokens it issues through its JWKS. Run as its own process because oidc-provider is
// an ES module and jest runs the tests as CommonJS.
//   node oidc-provider.mjs <redirect-uri> <accounts-json>   prints {"issuer": ...} when listening
import * as http from 'node:http';
import Provider from 'oidc-provider';

const [redirectUri, accountsJson] = process.argv.slice(2);
const accounts = JSON.parse(accountsJson);
export const RESOURCE = 'urn:kedja';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{ client_id: 'kedja-web', token_endpoint_auth_method: 'none', redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
  pkce: { required: () => true },
  scopes: ['openid', 'kedja'],
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== RESOURCE) throw new Error('unknown resource');
        return { scope: 'kedja', audience: RESOURCE, accessTokenFormat: 'jwt', accessTokenTTL: 600 };
      },
    },
  },
  findAccount: (_ctx, id) => (accounts[id] ? { accountId: id, claims: () => ({ sub: id }) } : undefined),
  // The agency's claims of CONTRACT.md, carried in the access token the api verifies.
  extraTokenClaims: (_ctx, token) => {
    const account = accounts[token.accountId];
    return account ? { actor: account.actor, roles: account.roles } : undefined;
  },
});
server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
