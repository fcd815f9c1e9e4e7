import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { TokenError, TokenVerifier } from '@kedja/auth';
import type { Request } from 'express';
import { ProblemError } from '../problems/problem';
import type { Principal } from './principal';
import { TOKEN_RATE_LIMITER, type TokenRateLimiter } from './rate-limit';

export const TOKEN_VERIFIER = Symbol('TokenVerifier');

/** Every /v1 route needs a verified bearer token; /health, /metrics and the docs do not. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(TOKEN_RATE_LIMITER) private readonly limiter: TokenRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    if (!request.path.startsWith('/v1/') && request.path !== '/v1') return true;
    request.principal = await authenticate(request, this.verifier, this.limiter);
    return true;
  }
}

/**
 * The verified claims of the request's bearer token, or 401; 429 when the token is over its rate
 * limit (counted before verifying, so a flood of one bad token is limited too). The guard runs it
 * for every /v1 route; the fast lanes (core/fast-lane.ts) call it directly.
 */
export async function authenticate(request: Request, verifier: TokenVerifier, limiter: TokenRateLimiter): Promise<Principal> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw new ProblemError('unauthorized', 'Send Authorization: Bearer <token>.');
  await limiter.take(match[1]);
  try {
    return await verifier.verify(match[1]);
  } catch (error) {
    if (error instanceof TokenError) throw new ProblemError('unauthorized', `The bearer token was refused: ${error.message}.`);
    throw error;
  }
}
