import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { IsIn, validateSync } from 'class-validator';
import { actorCode } from '@kedja/access';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { ProblemError } from '../problems/problem';
import { KEDJA_RUNTIME } from '../runtime/tokens';
import type { KedjaRuntime } from '../runtime/runtime';
import { isPlainObject } from '../recording/envelope';
import { personNotFound, readerFor, resolveSubject } from '../reading/reader';
import { ERASURE_REASONS, Erasure, type ErasureReason } from './erasure';

const ROUTE = 'POST /v1/persons/{subject}/erasure';

/** The body of an erasure request, validated with class-validator (the contract's three reason codes). */
export class ErasureRequest {
  @IsIn([...ERASURE_REASONS], { message: `must be one of ${ERASURE_REASONS.join(', ')}` })
  reason!: ErasureReason;
}

@Controller('v1/persons')
export class ErasureController {
  constructor(
    @Inject(KEDJA_RUNTIME) private readonly runtime: KedjaRuntime,
    private readonly erasure: Erasure,
  ) {}

  /**
   * Erases a person's identifiers. An identifier already erased names no one any more (as any
   * unknown subject: 404); repeat an erasure with `person:<personId>` to get `already-erased`.
   */
  @Post(':subject/erasure')
  @HttpCode(200)
  async erase(@Param('subject') subject: string, @Body() body: unknown, @CurrentPrincipal() claims: Principal) {
    const admin = readerFor(claims, 'erase', 'Erasure is done by an admin of actor platform.');
    if (!isPlainObject(body)) throw new ProblemError('invalid-request', 'Send a JSON object { "reason" }.', [{ path: '', message: 'must be a JSON object' }]);
    const extra = Object.keys(body).filter((k) => k !== 'reason');
    if (extra.length > 0) throw new ProblemError('invalid-request', 'Only reason may be sent.', extra.map((k) => ({ path: k.slice(0, 64), message: 'is not an allowed field' })));
    const request = plainToInstance(ErasureRequest, body);
    const errors = validateSync(request);
    if (errors.length > 0) {
      throw new ProblemError('invalid-request', `reason must be one of ${ERASURE_REASONS.join(', ')}.`, errors.map((e) => ({ path: e.property, message: Object.values(e.constraints ?? {})[0] ?? 'is invalid' })));
    }
    const personId = await resolveSubject(this.runtime.store, this.runtime.personalData, subject);
    if (personId === null) throw personNotFound();
    return this.erasure.erase(personId, request.reason, { sub: admin.sub, actor: actorCode(admin.actor) }, ROUTE);
  }
}
