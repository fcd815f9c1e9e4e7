import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { WrongExpectedVersionError } from '@kedja/event-store';
import { PERSONAL_DATA_ERASED } from '@kedja/personal-data';
import { KEDJA_RUNTIME } from '../runtime/tokens';
import type { KedjaRuntime } from '../runtime/runtime';
import { AuditLog } from '../audit/audit-log';
import { personNotFound } from '../reading/reader';

const ERASURE_SOURCE = 'urn:kedja:platform:erasure';

export const ERASURE_REASONS = ['data-subject-request', 'culling-decision', 'wrong-person'] as const;
export type ErasureReason = (typeof ERASURE_REASONS)[number];

export interface ErasureOutcome {
  readonly personId: string;
  readonly status: 'erased' | 'already-erased';
  readonly erasedAt: string;
}

export interface Eraser {
  readonly sub: string;
  readonly actor: string;
}

/**
 * Erasure (CONTRACT.md v1.1): a `PersonalDataErased` event in the person's stream, then the
 * person's data key and identifier index entries destroyed (PersonalData.destroy), then the audit
 * record. The event comes first: its append moves the stream's version, so a recorder anywhere
 * deciding on a state cached before it is refused and decides again, finding no key and no link.
 * Each step is idempotent, so a repeat (or a retry after a crash between steps) finishes the job
 * and answers `already-erased`. Nothing else changes: every other fact stays, and with it every
 * count and duration.
 */
@Injectable()
export class Erasure {
  constructor(
    @Inject(KEDJA_RUNTIME) private readonly runtime: KedjaRuntime,
    private readonly audit: AuditLog,
  ) {}

  async erase(personId: string, reason: ErasureReason, by: Eraser, route: string): Promise<ErasureOutcome> {
    const { store, personalData } = this.runtime;
    for (let attempt = 0; ; attempt++) {
      const stream = await store.readStream(personId);
      if (stream.length === 0) throw personNotFound();
      const earlier = stream.find((e) => e.type === PERSONAL_DATA_ERASED);
      if (earlier) {
        await personalData.destroy(personId);
        return { personId, status: 'already-erased', erasedAt: earlier.recordedTime };
      }
      try {
        const result = await store.append(
          personId,
          [{ eventId: randomUUID(), source: ERASURE_SOURCE, type: PERSONAL_DATA_ERASED, eventTime: new Date().toISOString(), data: { reason }, metadata: { actor: 'platform', postedBy: by.sub } }],
          { expectedVersion: stream.length },
        );
        await store.sync();
        await personalData.destroy(personId);
        await this.audit.record([{ at: new Date().toISOString(), sub: by.sub, actor: by.actor, action: 'erasure', personId, route, purpose: reason, asOf: null, outcome: 'erased' }]);
        const [stored] = await store.readStream(personId, { afterVersion: result.nextExpectedVersion - 1 });
        return { personId, status: 'erased', erasedAt: stored.recordedTime };
      } catch (error) {
        // Someone appended meanwhile (an agency, or a concurrent erasure): look again.
        if (!(error instanceof WrongExpectedVersionError) || attempt >= 20) throw error;
      }
    }
  }
}
