import type { EventMetadata, EventStore, NewEvent } from '@kedja/event-store';
import { simulate, type CloudEventJson } from '@kedja/simulator';

export interface SimulatedEvent {
  readonly streamId: string;
  readonly event: NewEvent;
}

/**
 * A simulated event as the recorder stores it (canonical UTC times, the recording time the
 * simulator gives it), with `metadata`; validation and rules are not applied.
 */
export function storedForm(e: CloudEventJson, metadata: EventMetadata): NewEvent {
  return {
    eventId: e.id,
    source: e.source,
    type: e.type,
    eventTime: new Date(e.time).toISOString(),
    recordedTime: new Date(e.recordedtime).toISOString(),
    data: e.data,
    metadata,
  };
}

/**
 * A simulated population's events in feed (recording) order, each with the person stream it
 * belongs to (a new stream per migration case; later events find it by dossier or personnummer),
 * as the recorder would append them.
 */
export function simulatedEvents(persons: number, seed: number): SimulatedEvent[] {
  const streamOf = new Map<string, string>();
  const out: SimulatedEvent[] = [];
  for (const e of simulate({ persons, seed })) {
    const colon = e.subject.indexOf(':');
    let streamId = e.subject.slice(0, colon) === 'person' ? e.subject.slice(colon + 1) : streamOf.get(e.subject);
    if (e.type === 'MigrationCaseOpened') {
      streamId = `00000000-0000-4000-8000-${String(streamOf.size).padStart(12, '0')}`;
      streamOf.set(e.subject, streamId);
    }
    if (streamId === undefined) throw new Error(`simulated event ${e.id}: no stream for ${e.subject}`);
    if (e.type === 'PopulationRegistered') streamOf.set(`pnr:${String(e.data.personalIdentityNumber)}`, streamId);
    out.push({ streamId, event: storedForm(e, { actor: e.actor }) });
  }
  return out;
}

/**
 * Appends simulated events as the recorder would: in feed order, `batch` events per `appendMany`,
 * grouped per person inside a batch, each stream at its expected version.
 */
export async function appendSimulated(store: EventStore, events: readonly SimulatedEvent[], batch = 200): Promise<void> {
  const versions = new Map<string, number>();
  for (let i = 0; i < events.length; i += batch) {
    const appends = new Map<string, NewEvent[]>();
    for (const { streamId, event } of events.slice(i, i + batch)) {
      if (!appends.has(streamId)) appends.set(streamId, []);
      appends.get(streamId)?.push(event);
    }
    await store.appendMany(
      [...appends].map(([streamId, list]) => {
        const before = versions.get(streamId) ?? 0;
        versions.set(streamId, before + list.length);
        return { streamId, events: list, options: { expectedVersion: before === 0 ? 'no-stream' : before } };
      }),
    );
  }
}
