import * as fs from 'node:fs';
import * as path from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { WebConfig } from '../config/config';

/** First path segments that stay the api's own: everything else is the front's (SPA fallback). */
const API_SEGMENTS = new Set(['v1', 'docs', 'docs-json', 'openapi.json', 'health', 'metrics']);

export interface DemoToken {
  readonly label: string;
  readonly token: string;
}

export interface WebFrontOptions {
  readonly config: WebConfig;
  /** Only `kedja demo` passes these: ready-made tokens the sign-in page offers. */
  readonly demoTokens?: readonly DemoToken[];
}

/** Where `npm run build` puts the front: `dist/web`, seen from the sources and from dist alike. */
export function webDir(config: WebConfig): string | null {
  const candidates = config.dir ? [config.dir] : [path.resolve(__dirname, '../../../../web'), path.resolve(__dirname, '../../../../dist/web')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? null;
}

/**
 * Only the front's own origin may serve scripts, styles and data (no inline code, no CDN); the
 * token request of an OpenID Connect sign-in is the one call that leaves it, to the configured
 * issuer. `blob:` images are the chart's PNG export drawn from its own SVG.
 */
export function contentSecurityPolicy(config: WebConfig): string {
  const connect = ["'self'", ...(config.oidc ? [new URL(config.oidc.issuer).origin] : [])];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src ${connect.join(' ')}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

function isApiPath(pathname: string): boolean {
  return API_SEGMENTS.has(pathname.split('/')[1] ?? '');
}

/**
 * Serves the built front at `/` before Nest's router, leaving the api's paths alone. A path that
 * names no file gets index.html (the front routes on the client), except under /assets/, where a
 * missing file is a 404 rather than a page parsed as a script.
 */
export function webFront(options: WebFrontOptions): RequestHandler | null {
  const dir = webDir(options.config);
  if (!dir) return null;
  const csp = contentSecurityPolicy(options.config);
  const index = fs.readFileSync(path.join(dir, 'index.html'));
  const appConfig = JSON.stringify({ oidc: options.config.oidc ?? null, demoTokens: options.demoTokens ?? [] });
  const secure = (response: Response) => {
    response.setHeader('Content-Security-Policy', csp);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    // The sign-in returns with ?code= in the address: no page may pass it on as a referrer.
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('X-Frame-Options', 'DENY');
  };
  const files = express.static(dir, {
    index: false,
    redirect: false,
    setHeaders: (response, file) => {
      secure(response);
      // Vite names assets by content hash; index.html must be revalidated to pick up a new build.
      response.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return (request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || isApiPath(request.path)) return next();
    if (request.path === '/app-config.json') {
      secure(response);
      response.setHeader('Cache-Control', 'no-store');
      response.type('application/json').send(appConfig);
      return;
    }
    files(request, response, (error?: unknown) => {
      if (error) return next(error);
      if (request.path.startsWith('/assets/')) return next();
      secure(response);
      response.setHeader('Cache-Control', 'no-cache');
      response.type('text/html').send(index);
    });
  };
}
