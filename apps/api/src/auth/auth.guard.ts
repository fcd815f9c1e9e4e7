import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { TokenError, TokenVerifier } from '@kedja/auth';
import type { Request } from 'express';
import { ProblemError } from '../problems/problem';
import type { Principal } from './principal';

export const TOKEN_VERIFIER = Symbol('TokenVerifier');

/** Every /v1 route needs a verified bearer token; /health, /metrics and the docs do not. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    if (!request.path.startsWith('/v1/') && request.path !== '/v1') return true;
    request.principal = await authenticate(request, this.verifier);
    return true;
  }
}

/**
 * The verified claims of the request's bearer token, or 401. The guard runs it for every /v1
 * route; the timeline's fast lane (reading/timeline/timeline.fast-lane.ts) calls it directly.
 */
export async function authenticate(request: Request, verifier: TokenVerifier): Promise<Principal> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw new ProblemError('unauthorized', 'Send Authorization: Bearer <token>.');
  try {
    return await verifier.verify(match[1]);
  } catch (error) {
    if (error instanceof TokenError) throw new ProblemError('unauthorized', `The bearer token was refused: ${error.message}.`);
    throw error;
  }
}
