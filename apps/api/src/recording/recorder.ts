import { randomUUID } from 'node:crypto';
import {
  decide, evolve, initialState, parseActor, type PersonState,
} from '@kedja/chain';
import {
  DuplicateEventConflictError, IdentityConflictError, WrongExpectedVersionError,
  type EventStore, type IdentityClaim, type NewEvent, type StoredEvent,
} from '@kedja/event-store';
import { problem, type ProblemBody, type ProblemCode } from '../problems/problem';
import { GroupCommit } from '../core/group-commit';
import type { ParsedEvent, ValidEvent } from './envelope';

export interface EventResult {
  readonly id?: string;
  readonly status: 'recorded' | 'duplicate' | 'rejected';
  readonly personId?: string;
  readonly problem?: ProblemBody;
}

export interface Poster {
  /** Token subject. */
  readonly sub: string;
  /** Token actor. */
  readonly actor: string;
  /** Admin of actor platform: may post on behalf of agencies with `actor` and `recordedtime`. */
  readonly importing: boolean;
}

/** One posted event with who posted it; a group commit mixes several requests. */
interface Posted {
  readonly item: ParsedEvent;
  readonly poster: Poster;
  readonly requestId?: string;
}

/** An event placed earlier in the same request; its content is compared only if its id repeats. */
interface SeenEvent {
  readonly personId: string;
  readonly type: string;
  readonly time: string;
  readonly data: unknown;
}

/** What one request needs from the store, read in three queries instead of several per event. */
interface Prefetched {
  readonly events: Map<string, StoredEvent>;
  readonly identities: Map<string, string>;
  readonly streams: Map<string, StoredEvent[]>;
}

interface PersonWork {
  readonly personId: string;
  /** Version of the stream as loaded; the append expects exactly this. */
  readonly loadedVersion: number;
  state: PersonState;
  readonly events: NewEvent[];
  readonly identities: IdentityClaim[];
  readonly indices: number[];
}

class Rejection extends Error {
  constructor(readonly body: ProblemBody) {
    super(body.detail);
  }
}

const reject = (code: ProblemCode, detail: string): never => {
  throw new Rejection(problem(code, detail));
};

/** A stable rendering of JSON with sorted keys, so equal content compares equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

const contentKey = (personId: string, type: string, time: string, data: unknown): string =>
  `${personId}\u0000${type}\u0000${new Date(time).toISOString()}\u0000${canonicalJson(data)}`;

const identityKey = (kind: string, value: string): string => `${kind}\u0000${value}`;

/** How often a batch is re-tried event by event after losing a race with another writer. */
const MAX_ATTEMPTS = 40;

/** Upper bound of one group commit; a single request may exceed it (up to the batch limit). */
const MAX_GROUP_EVENTS = 2_000;

/**
 * The recording use case: idempotency, subject resolution, the person's rules (`decide`) and an
 * append with the expected version. Events about one person apply in the order given; a whole
 * request commits in one transaction when nothing races it, and falls back to one event at a time
 * (re-deciding against fresh state) when something does, so each event still stands alone.
 */
export class Recorder {
  /**
   * Persons' states as of a stream version, so a busy person is not re-read and re-folded for
   * every request. Safe with other writers: a decision taken on a stale state is appended with
   * that state's version as the expected one, so the store refuses it and the retry reads afresh.
   */
  private readonly states = new Map<string, { readonly version: number; readonly state: PersonState }>();

  constructor(
    private readonly store: EventStore,
    private readonly clock: () => Date = () => new Date(),
    // A person's state holds their history (a few kB), so 10,000 of them stay well under 100 MB.
    private readonly cacheSize = 10_000,
  ) {}

  private readonly commits = new GroupCommit<Posted, EventResult>((posted) => this.recordGroup(posted), MAX_GROUP_EVENTS);

  /**
   * Records one request's events. Concurrent requests are decided and appended together in one
   * transaction (group commit), each event still with its own result; requests are taken in
   * arrival order, so events about one person keep the order they were posted in.
   */
  async record(items: readonly ParsedEvent[], poster: Poster, requestId?: string): Promise<EventResult[]> {
    const results = await this.commits.submit(items.map((item) => ({ item, poster, requestId })));
    // Groups commit without waiting for the disk, so the next group is decided while this one
    // syncs; nothing is answered before its commit (and every one before it) is on disk.
    await this.store.sync();
    return results;
  }

  private async recordGroup(posted: readonly Posted[]): Promise<EventResult[]> {
    try {
      return await this.attempt(posted);
    } catch (error) {
      if (!isRace(error)) throw error;
      this.states.clear();
    }
    // Lost a race for one of the persons: redo each event alone so the others still land.
    const results: EventResult[] = [];
    for (const one of posted) results.push(await this.recordOne(one));
    return results;
  }

  private async recordOne(one: Posted): Promise<EventResult> {
    const { item } = one;
    const id = item.ok ? item.event.id : item.id;
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.attempt([one]))[0];
      } catch (error) {
        if (!isRace(error)) throw error;
        this.states.clear();
        if (error instanceof IdentityConflictError && attempt > 1) return { id, status: 'rejected', problem: identityProblem(error) };
        if (attempt >= MAX_ATTEMPTS) {
          // Still losing to other writers on this person: transient, and safe to retry (idempotent ids).
          return { id, status: 'rejected', problem: problem('unavailable', 'The person was being changed by other requests; retry the event.') };
        }
        // Jittered backoff so writers racing for one person stop colliding in lock step.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
      }
    }
  }

  private async attempt(posted: readonly Posted[]): Promise<EventResult[]> {
    const items = posted.map((one) => one.item);
    const now = this.clock();
    const results: EventResult[] = new Array(items.length);
    const persons = new Map<string, PersonWork>();
    const identities = new Map<string, string>();
    const seen = new Map<string, SeenEvent>();
    const prefetched = await this.prefetch(items);

    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (!item.ok) {
        results[i] = { ...(item.id ? { id: item.id } : {}), status: 'rejected', problem: item.problem };
        continue;
      }
      const event = item.event;
      try {
        results[i] = await this.place(event, i, posted[i].poster, now, persons, identities, seen, prefetched, posted[i].requestId);
      } catch (error) {
        if (!(error instanceof Rejection)) throw error;
        results[i] = { id: event.id, status: 'rejected', problem: error.body };
      }
    }

    const work = [...persons.values()].filter((p) => p.events.length > 0);
    if (work.length > 0) {
      await this.store.appendMany(work.map((p) => ({
        streamId: p.personId,
        events: p.events,
        options: { expectedVersion: p.loadedVersion === 0 ? 'no-stream' : p.loadedVersion, identities: p.identities },
      })), { deferSync: true });
      for (const p of work) {
        for (const i of p.indices) results[i] = { id: (items[i] as { event: ValidEvent }).event.id, status: 'recorded', personId: p.personId };
        this.remember(p.personId, p.loadedVersion + p.events.length, p.state);
      }
    }
    return results;
  }

  private async place(
    event: ValidEvent, index: number, poster: Poster, now: Date,
    persons: Map<string, PersonWork>, identities: Map<string, string>, seen: Map<string, SeenEvent>, prefetched: Prefetched, requestId?: string,
  ): Promise<EventResult> {
    const eventKey = identityKey(event.source, event.id);
    const { kind, value } = event.subject;
    const personId = identities.get(identityKey(kind, value)) ?? prefetched.identities.get(identityKey(kind, value)) ?? null;

    // Idempotency on (source, id): first within this request, then against the log.
    const earlier = seen.get(eventKey);
    const stored = earlier === undefined ? prefetched.events.get(eventKey) ?? null : null;
    if (earlier !== undefined || stored) {
      const original = stored ? { personId: stored.streamId, type: stored.type, time: stored.eventTime, data: stored.data } : earlier!;
      const same = contentKey(original.personId, original.type, original.time, original.data) === contentKey(personId ?? '', event.type, event.time, event.data);
      const originalPerson = original.personId;
      if (!same) reject('duplicate-id-conflict', 'An event with this id and source is already recorded with different content.');
      return { id: event.id, status: 'duplicate', personId: originalPerson };
    }

    const actorCode = event.actor ?? poster.actor;
    const actor = parseActor(actorCode);
    if (!actor) reject('not-permitted', 'The reporting actor is not an agency that posts events.');

    let target: PersonWork;
    const claims: IdentityClaim[] = [];
    if (event.type === 'MigrationCaseOpened') {
      if (event.subject.kind !== 'dossier') reject('invalid-event', 'MigrationCaseOpened must have a dossier: subject; it creates the person.');
      if (personId) reject('subject-exists', 'A migration case with this dossier number already exists.');
      const newId = randomUUID();
      claims.push({ kind: 'dossier', value: event.subject.value }, { kind: 'person', value: newId });
      target = { personId: newId, loadedVersion: 0, state: initialState, events: [], identities: [], indices: [] };
      persons.set(newId, target);
    } else {
      if (!personId) reject('unknown-subject', 'No person is known by this subject.');
      target = persons.get(personId!) ?? this.load(personId!, prefetched.streams.get(personId!), persons);
    }
    if (event.type === 'PopulationRegistered') {
      const pnr = event.data.personalIdentityNumber as string;
      const owner = identities.get(identityKey('pnr', pnr)) ?? prefetched.identities.get(identityKey('pnr', pnr));
      if (owner && owner !== target.personId) reject('identifier-conflict', 'This personnummer is already linked to another person.');
      if (!owner) claims.push({ kind: 'pnr', value: pnr });
    }

    const decision = decide(
      { type: event.type, data: event.data, eventId: event.id, source: event.source, time: event.time, actor: actor!, now: now.toISOString() } as never,
      target.state,
    );
    if (!decision.ok) return reject(decision.code as ProblemCode, decision.detail);

    // The decision's own event object: decide may already have computed the facts after it.
    target.state = evolve(target.state, decision.events[0]);
    target.events.push({
      eventId: event.id,
      source: event.source,
      type: event.type,
      eventTime: event.time,
      ...(event.recordedTime ? { recordedTime: event.recordedTime } : {}),
      data: event.data,
      metadata: { actor: actorCode, postedBy: poster.sub, ...(requestId ? { correlationId: requestId } : {}) },
    });
    target.identities.push(...claims);
    target.indices.push(index);
    for (const claim of claims) identities.set(identityKey(claim.kind, claim.value), target.personId);
    seen.set(identityKey(event.source, event.id), { personId: target.personId, type: event.type, time: event.time, data: event.data });
    return { id: event.id, status: 'recorded', personId: target.personId };
  }

  private async prefetch(items: readonly ParsedEvent[]): Promise<Prefetched> {
    const keys: { source: string; eventId: string }[] = [];
    const claims: IdentityClaim[] = [];
    for (const item of items) {
      if (!item.ok) continue;
      const { event } = item;
      keys.push({ source: event.source, eventId: event.id });
      claims.push({ kind: event.subject.kind, value: event.subject.value });
      if (event.type === 'PopulationRegistered') claims.push({ kind: 'pnr', value: event.data.personalIdentityNumber as string });
    }
    if (keys.length === 0) return { events: new Map(), identities: new Map(), streams: new Map() };
    const [stored, identities] = await Promise.all([this.store.findEvents(keys), this.store.resolveIdentities(claims)]);
    const events = new Map(stored.map((e) => [identityKey(e.source, e.eventId), e]));
    const uncached = [...new Set(identities.values())].filter((id) => !this.states.has(id));
    const streams = uncached.length > 0 ? await this.store.readStreams(uncached) : new Map<string, StoredEvent[]>();
    return { events, identities, streams };
  }

  private remember(personId: string, version: number, state: PersonState): void {
    this.states.delete(personId);
    this.states.set(personId, { version, state });
    // Map iteration follows insertion order, so the first key is the least recently written.
    if (this.states.size > this.cacheSize) this.states.delete(this.states.keys().next().value!);
  }

  private load(personId: string, history: readonly StoredEvent[] | undefined, persons: Map<string, PersonWork>): PersonWork {
    const cached = history === undefined ? this.states.get(personId) : undefined;
    let state = cached?.state ?? initialState;
    if (!cached) for (const stored of history ?? []) state = evolve(state, toRecorded(stored) as never);
    const work: PersonWork = { personId, loadedVersion: cached ? cached.version : history?.length ?? 0, state, events: [], identities: [], indices: [] };
    persons.set(personId, work);
    return work;
  }
}

function toRecorded(stored: StoredEvent) {
  return { eventId: stored.eventId, source: stored.source, type: stored.type, time: stored.eventTime, data: stored.data, actor: stored.metadata.actor };
}

function isRace(error: unknown): boolean {
  return error instanceof WrongExpectedVersionError || error instanceof DuplicateEventConflictError || error instanceof IdentityConflictError;
}

function identityProblem(error: IdentityConflictError): ProblemBody {
  return error.kind === 'dossier'
    ? problem('subject-exists', 'A migration case with this dossier number already exists.')
    : problem('identifier-conflict', 'This personnummer is already linked to another person.');
}
