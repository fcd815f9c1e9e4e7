import type { ActorRef } from '@kedja/access';
import { isSealed } from '@kedja/personal-data';
import { visibleRecord, type TimelineItem } from '../person-record';

/**
 * The items of an erased person (no data key any more): each sealed identifier, now unreadable
 * by anyone, is shown as `null` and its item marked `erased: true` (CONTRACT.md v1.1).
 */
function withErasedFields(items: readonly TimelineItem[]): TimelineItem[] {
  return items.map((item) => {
    if (!Object.values(item.data).some(isSealed)) return item;
    const data: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(item.data)) data[field] = isSealed(value) ? null : value;
    return { ...item, data, erased: true };
  });
}

/**
 * The answer to a timeline read as the JSON text sent, `{ personId, summary, events }`, from the
 * person's items in timeline order; null when the person is outside the actor's scope (or had
 * nothing recorded at the time asked). The one place the timeline's body is made: the reader
 * thread runs it beside the statement (person-stream.ts), the event loop when there is no thread.
 * Sealed identifiers the actor may see stay sealed here (the key is unwrapped on the event loop,
 * where the key provider is); `erased`: the person's key is destroyed.
 */
export function renderTimeline(actor: ActorRef, personId: string, items: readonly TimelineItem[], erased = false): string | null {
  const record = visibleRecord(actor, personId, erased ? withErasedFields(items) : items);
  return record && JSON.stringify({ personId: record.personId, summary: record.summary, events: record.events });
}
