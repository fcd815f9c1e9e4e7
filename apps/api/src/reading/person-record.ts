import { filterTimeline, type ActorRef } from '@kedja/access';
import { initialState, replay, summarise, type RecordedEvent, type Summary } from '@kedja/chain';

export interface TimelineItem {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly recordedAt: string;
  /** The actor code of the agency that reported the fact (not the posting user or system). */
  readonly postedBy: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** Set when the item's identifiers were erased: those fields are then `null`. */
  readonly erased?: true;
}

export interface PersonRecord {
  readonly personId: string;
  readonly summary: Summary;
  readonly events: readonly TimelineItem[];
}

/**
 * The person's record as `actor` may see it, from the person's items in timeline order (event
 * time, ties by recording order; as known at `asOf` when the read was one), or null when the
 * person is outside the actor's scope or had nothing recorded yet.
 */
export function visibleRecord(actor: ActorRef, personId: string, items: readonly TimelineItem[]): PersonRecord | null {
  if (items.length === 0) return null;
  const visible = filterTimeline(actor, items);
  if (visible === null) return null;
  return { personId, summary: summaryOf(visible), events: visible };
}

/**
 * The summary is folded from the visible events only, with the fields the caller may see: a
 * phase or municipality derived from hidden events would leak them (Försäkringskassan must not
 * learn `refused`, a municipality the person moved away from must not learn where they went).
 * What the caller cannot see counts as not having happened, so the phase is the furthest step the
 * caller can see (a caller that sees only a population registration gets `settled`).
 */
export function summaryOf(visible: readonly TimelineItem[]): Summary {
  const recorded = visible.map((e) => ({ eventId: e.id, source: e.source, type: e.type, time: e.time, data: e.data, actor: e.postedBy }) as unknown as RecordedEvent);
  const facts = replay(recorded).facts;
  const summary = summarise({ ...initialState, facts });
  // A caller that sees no migration case (Skatteverket) would otherwise be told `asylum` about a
  // registered resident: population registration means the person lives in a municipality.
  if (summary.phase === 'asylum' && facts.caseOpenedAt === undefined && facts.registered) return { ...summary, phase: 'settled' };
  return summary;
}
