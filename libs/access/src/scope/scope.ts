import { isInScope as chainIsInScope, scopeFor as chainScopeFor, type Scope, type ScopedEvent } from '@kedja/chain';
import type { ActorRef } from '../principal/actor';
import { visibleEvent } from '../visibility/policy';

// The scope rule itself lives in @kedja/chain (scope/scope.ts), where posting asks it too: one
// rule for timelines, views and posting. This module adds what reading needs on top of it:
// retractions applied first, and the visibility policy's field filtering.
export type { Scope, ScopedEvent };

export function scopeFor(actor: ActorRef, history: readonly ScopedEvent[]): Scope {
  return chainScopeFor(actor, history);
}

export function isInScope(actor: ActorRef, history: readonly ScopedEvent[]): boolean {
  return chainIsInScope(actor, history);
}

export interface TimelineEvent extends ScopedEvent {
  readonly id: string;
  readonly source?: string;
  readonly recordedAt?: string | Date;
}

// A retraction names the `id` of an event the same `source` posted (CONTRACT.md catalogue).
function withoutRetracted<E extends TimelineEvent>(events: readonly E[]): E[] {
  const retracted = new Set<string>();
  const key = (source: string | undefined, id: unknown) => `${source ?? ''}\u0000${String(id)}`;
  for (const e of events) if (e.type === 'EventRetracted') retracted.add(key(e.source, e.data.eventId));
  return events.filter((e) => e.type !== 'EventRetracted' && !retracted.has(key(e.source, e.id)));
}

export interface VisibleTimeline<E> {
  readonly events: E[];
  /**
   * The caller held the person and no longer does (a move away, or a registration or settlement
   * elsewhere): the summary must then say so and name no municipality (Amendments v1.1).
   */
  readonly movedAway: boolean;
}

/**
 * A person's timeline as the actor may see it, in the order given, or null when the person is
 * outside the actor's scope: the caller must then answer exactly as for a person that does not
 * exist (404). Retractions are applied first, so a retracted move neither cuts nor extends scope.
 * The placement that ended the caller's hold is shown without its `municipalityCode` (where the
 * person went is not the former municipality's or region's to know). The summary the HTTP layer
 * shows beside it must be derived from the returned events only.
 */
export function visibleTimeline<E extends TimelineEvent>(actor: ActorRef, events: readonly E[]): VisibleTimeline<E> | null {
  const history = withoutRetracted(events);
  const scope = scopeFor(actor, history);
  if (!scope.inScope) return null;
  const visible: E[] = [];
  for (const index of scope.visibleIndices) {
    const shown = visibleEvent(actor.kind, history[index]);
    if (!shown) continue;
    if (index === scope.endedBy && 'municipalityCode' in shown.data) {
      const { municipalityCode: _hidden, ...rest } = shown.data;
      visible.push({ ...shown, data: rest });
    } else {
      visible.push(shown);
    }
  }
  return { events: visible, movedAway: scope.endedBy !== undefined };
}

/** `visibleTimeline`'s events alone. */
export function filterTimeline<E extends TimelineEvent>(actor: ActorRef, events: readonly E[]): E[] | null {
  return visibleTimeline(actor, events)?.events ?? null;
}
