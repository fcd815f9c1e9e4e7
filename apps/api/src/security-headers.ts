import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Security headers on every answer (helmet: a well-kept, small middleware that sets the headers
 * OWASP lists, with one precomputed value each). The global Content-Security-Policy allows only
 * this origin's own scripts, styles and images, nothing inline: JSON answers need nothing, and a
 * web front served at `/` with its own `default-src 'self'` policy fits inside it.
 *
 * `/docs` (Swagger UI, @nestjs/swagger) loads its scripts from files (swagger-ui-bundle.js,
 * swagger-ui-standalone-preset.js, swagger-ui-init.js), so scripts stay `'self'` only; its page
 * has an inline `<style>` block, and the UI sets `style` attributes and draws icons as `data:`
 * SVGs: that is exactly what its own policy adds (`style-src 'unsafe-inline'`, `img-src data:`).
 * No `upgrade-insecure-requests`: the embedded mode serves plain HTTP on localhost, where it
 * would send the docs' own assets to an https port nobody listens on.
 */
const COMMON = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  upgradeInsecureRequests: null,
};

export const GLOBAL_CSP = { useDefaults: false, directives: { ...COMMON, styleSrc: ["'self'"], imgSrc: ["'self'"] } };
export const DOCS_CSP = { useDefaults: false, directives: { ...COMMON, styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] } };

export function securityHeaders(): RequestHandler {
  // X-Frame-Options DENY, as frame-ancestors 'none' says, for browsers without CSP 2.
  return helmet({ contentSecurityPolicy: GLOBAL_CSP, crossOriginEmbedderPolicy: false, xFrameOptions: { action: 'deny' } });
}

export function docsContentSecurityPolicy(): RequestHandler {
  return helmet.contentSecurityPolicy(DOCS_CSP);
}
