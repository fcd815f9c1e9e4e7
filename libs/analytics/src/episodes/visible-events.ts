import type { AnalyticsEvent } from '../types';
import { parseTime } from '../time';

/**
 * The events of one history as known at `asOfMs`, without retracted events and without the
 * retractions themselves, ordered by event time (ties keep input order, which is recording order
 * when the history comes from the store). Same as-of and retraction rules as EpisodeEvaluator.
 */
export function visibleEvents(events: readonly AnalyticsEvent[], asOfMs: number): AnalyticsEvent[] {
  const known: Array<{ e: AnalyticsEvent; t: number; i: number }> = [];
  const retractions: AnalyticsEvent[] = [];
  events.forEach((e, i) => {
    const t = parseTime(e.time);
    const rec = e.recordedTime ? parseTime(e.recordedTime) : t;
    if (t !== t || !(rec <= asOfMs)) return;
    if (e.type === 'EventRetracted') retractions.push(e);
    else known.push({ e, t, i });
  });
  if (retractions.length > 0) {
    const key = (source: string, id: unknown) => `${source}\u0000${String(id)}`;
    const targets = new Set(retractions.map((r) => key(r.source, r.data.eventId)));
    const gone = new Set(
      retractions.filter((r) => !targets.has(key(r.source, r.eventId))).map((r) => key(r.source, r.data.eventId)),
    );
    return sortKnown(known.filter(({ e }) => !gone.has(key(e.source, e.eventId))));
  }
  return sortKnown(known);
}

function sortKnown(known: Array<{ e: AnalyticsEvent; t: number; i: number }>): AnalyticsEvent[] {
  known.sort((a, b) => a.t - b.t || a.i - b.i);
  return known.map((k) => k.e);
}
