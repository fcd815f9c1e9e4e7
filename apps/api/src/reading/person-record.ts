import { visibleTimeline, type ActorRef } from '@kedja/access';
import { holdingMunicipality, initialState, replay, summarise, type RecordedEvent, type Summary } from '@kedja/chain';

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

/**
 * `movedAway`: the caller held the person and no longer does (they moved, or were registered or
 * settled elsewhere); `municipalityCode` and `countyCode` are then null, as where the person went
 * is not the former municipality's or region's to know (Amendments v1.1).
 */
export type TimelineSummary = Summary & { readonly movedAway: boolean };

export interface PersonRecord {
  readonly personId: string;
  readonly summary: TimelineSummary;
  readonly events: readonly TimelineItem[];
}

/**
 * The person's record as `actor` may see it, from the person's items in timeline order (event
 * time, ties by recording order; as known at `asOf` when the read was one), or null when the
 * person is outside the actor's scope or had nothing recorded yet.
 */
export function visibleRecord(actor: ActorRef, personId: string, items: readonly TimelineItem[]): PersonRecord | null {
  if (items.length === 0) return null;
  const timeline = visibleTimeline(actor, items);
  if (timeline === null) return null;
  const summary = summaryOf(timeline.events);
  return {
    personId,
    summary: timeline.movedAway ? { ...summary, municipalityCode: null, countyCode: null, movedAway: true } : { ...summary, movedAway: false },
    events: timeline.events,
  };
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
  const folded = summarise({ ...initialState, facts });
  // The municipality holding the person (Amendments v1.1): registration outranks a settlement
  // reported elsewhere since, which outranks an assignment.
  const holder = holdingMunicipality(visible) ?? null;
  const summary: Summary = { ...folded, municipalityCode: holder, countyCode: holder ? holder.slice(0, 2) : null };
  // A caller that sees no migration case (Skatteverket) would otherwise be told `asylum` about a
  // registered resident: population registration means the person lives in a municipality.
  if (summary.phase === 'asylum' && facts.caseOpenedAt === undefined && facts.registered) return { ...summary, phase: 'settled' };
  return summary;
}
