import { randomUUID } from 'node:crypto';
import { filterTimeline, parseActorRef, type ActorRef } from '@kedja/access';
import type { EventStore, IdentityClaim, NewEvent, StreamAppend } from '@kedja/event-store';
import { simulate } from '@kedja/simulator';
import { storedForm } from '../../../libs/projections/src/testing/simulated-population';

/**
 * A simulated population as the store would hold it after recording, built without the recorder
 * (validation and rules cost ~3k events/s, far too slow for a million events): the same stream
 * ids, identity claims, metadata and times the recorder writes, appended in large batches.
 */
export interface ReadingDataSet {
  readonly events: number;
  readonly persons: number;
  /** The appends, in feed order, each batch one `appendMany` (one transaction). */
  readonly batches: readonly StreamAppend[][];
  /** Each person's events as timeline items, for working out who may read whom. */
  readonly history: ReadonlyMap<string, readonly PersonEvents[]>;
}

interface PersonEvents {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export function buildDataSet(options: { persons: number; seed: number; batchEvents: number }): ReadingDataSet {
  const streamOf = new Map<string, string>();
  const versions = new Map<string, number>();
  const history = new Map<string, PersonEvents[]>();
  const batches: StreamAppend[][] = [];
  let pending: Array<{ streamId: string; event: NewEvent; claims: IdentityClaim[] }> = [];
  let events = 0;

  // Grouped per stream inside a batch (order kept within each stream), as the recorder groups a
  // request's events per person into one appendMany.
  const flush = () => {
    if (pending.length === 0) return;
    const byStream = new Map<string, { events: NewEvent[]; identities: IdentityClaim[] }>();
    for (const row of pending) {
      let entry = byStream.get(row.streamId);
      if (!entry) byStream.set(row.streamId, (entry = { events: [], identities: [] }));
      entry.events.push(row.event);
      entry.identities.push(...row.claims);
    }
    batches.push(
      [...byStream].map(([streamId, entry]) => {
        const before = versions.get(streamId) ?? 0;
        versions.set(streamId, before + entry.events.length);
        return { streamId, events: entry.events, options: { expectedVersion: before === 0 ? 'no-stream' : before, identities: entry.identities } };
      }),
    );
    pending = [];
  };

  for (const e of simulate({ persons: options.persons, seed: options.seed })) {
    const colon = e.subject.indexOf(':');
    const kind = e.subject.slice(0, colon);
    const value = e.subject.slice(colon + 1);
    const claims: IdentityClaim[] = [];
    let streamId: string | undefined;
    if (e.type === 'MigrationCaseOpened') {
      streamId = randomUUID();
      claims.push({ kind: 'dossier', value }, { kind: 'person', value: streamId });
      streamOf.set(`dossier:${value}`, streamId);
      history.set(streamId, []);
    } else {
      streamId = kind === 'person' ? value : streamOf.get(e.subject);
    }
    if (streamId === undefined) throw new Error(`simulated event ${e.id} names ${kind}: subject not yet known`);
    if (e.type === 'PopulationRegistered') {
      const pnr = e.data.personalIdentityNumber as string;
      if (!streamOf.has(`pnr:${pnr}`)) {
        claims.push({ kind: 'pnr', value: pnr });
        streamOf.set(`pnr:${pnr}`, streamId);
      }
    }
    pending.push({
      streamId,
      claims,
      event: storedForm(e, { actor: e.actor, postedBy: 'bench' }),
    });
    history.get(streamId)!.push({ id: e.id, source: e.source, type: e.type, time: e.time, data: e.data });
    events++;
    if (pending.length >= options.batchEvents) flush();
  }
  flush();

  return { events, persons: history.size, batches, history };
}

/** Person ids a caseworker of `actorCode` may open (in scope), so no read is an accidental 404. */
export function visibleTo(data: ReadingDataSet, actorCode: string): string[] {
  const actor = parseActorRef(actorCode) as ActorRef | null;
  if (!actor) throw new Error(`unknown actor ${actorCode}`);
  const ids: string[] = [];
  for (const [personId, items] of data.history) if (filterTimeline(actor, items) !== null) ids.push(personId);
  return ids;
}

/** The municipality where most simulated persons settle: its caseworkers have the most to read. */
export function busiestMunicipality(data: ReadingDataSet): string {
  const counts = new Map<string, number>();
  for (const items of data.history.values()) {
    for (const event of items) {
      if (event.type !== 'SettledInMunicipality') continue;
      const code = event.data.municipalityCode as string;
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0][0];
}

export async function loadDataSet(store: EventStore, batches: ReadingDataSet['batches'], onProgress?: (done: number) => void): Promise<void> {
  let done = 0;
  for (const [index, batch] of batches.entries()) {
    await store.appendMany(batch);
    for (const append of batch) done += append.events.length;
    if (index % 100 === 99) onProgress?.(done);
  }
}
