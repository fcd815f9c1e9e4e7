import type { ActorRef } from '@kedja/access';
import { visibleRecord, type TimelineItem } from '../person-record';

/**
 * The answer to a timeline read as the JSON text sent, `{ personId, summary, events }`, from the
 * person's items in timeline order; null when the person is outside the actor's scope (or had
 * nothing recorded at the time asked). The one place the timeline's body is made: the reader
 * thread runs it beside the statement (person-stream.ts), the event loop when there is no thread.
 */
export function renderTimeline(actor: ActorRef, personId: string, items: readonly TimelineItem[]): string | null {
  const record = visibleRecord(actor, personId, items);
  return record && JSON.stringify({ personId: record.personId, summary: record.summary, events: record.events });
}
