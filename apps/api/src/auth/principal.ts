import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { TokenClaims } from '@kedja/auth';

export type Principal = TokenClaims;

export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  // The guard runs before every /v1 handler; reaching here without one is a wiring bug.
  if (!principal) throw new Error('no principal on the request');
  return principal;
});
