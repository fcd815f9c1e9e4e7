import type { Request } from 'express';
import { maskPersonalIdentifiers } from '@kedja/chain';
import { can, principalFromClaims, type Capability, type Principal as Reader } from '@kedja/access';
import type { Principal } from '../auth/principal';
import { ProblemError } from '../problems/problem';
import { parseSubject } from '../recording/envelope';
import type { EventStore } from '@kedja/event-store';

export type { Reader };

/** The caller as @kedja/access sees it, or 403 when the token grants no such capability. */
export function readerFor(claims: Principal, capability: Capability, refusal: string): Reader {
  const parsed = principalFromClaims(claims);
  if (!parsed.ok || !can(parsed.principal, capability)) throw new ProblemError('not-permitted', refusal);
  return parsed.principal;
}

/**
 * `x-purpose`: why the caseworker opens the record, kept in the audit trail (at most 200
 * characters). It is free text written into the audit log and handed to the person in the log
 * extract, so an identifier typed into it is masked first (CONTRACT.md Amendments v1.1,
 * "Personal data in what the service writes").
 */
export function purposeOf(request: Request): string | null {
  const raw = request.headers['x-purpose'];
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  return maskPersonalIdentifiers(raw.trim()).slice(0, 200);
}

/** A subject in any of its three forms as identity kind and value, or 400. Never echoes the value. */
export function subjectOf(raw: unknown, path = 'subject'): { readonly kind: string; readonly value: string } {
  const subject = parseSubject(raw);
  if ('path' in subject) throw new ProblemError('invalid-request', `${path} ${subject.message}.`, [{ path, message: subject.message }]);
  return subject;
}

/** A subject in any of its three forms to the person id, or null for an unknown one. Never echoes the value. */
export async function resolveSubject(store: EventStore, raw: unknown, path = 'subject'): Promise<string | null> {
  const subject = subjectOf(raw, path);
  return store.resolveIdentity(subject.kind, subject.value);
}

// The same body for "no such person" and "not yours to see" (CONTRACT.md "Who sees what"), so the
// answer never tells a caller that a person exists outside its scope.
export function personNotFound(): ProblemError {
  return new ProblemError('not-found', 'No person with this subject is visible to you.');
}
