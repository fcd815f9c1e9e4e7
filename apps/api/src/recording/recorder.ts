import {
  UNKNOWN_SUBJECT_DETAIL, decideAdmitted, evolve, initialState, parseActor, permitted, scoped, type Command, type PersonState,
} from '@kedja/chain';
import {
  DuplicateEventConflictError, EventAlreadyStoredError, IdentityConflictError, SourceOwnedError, WrongExpectedVersionError,
  type EventStore, type IdentityClaim, type NewEvent, type StoredEvent,
} from '@kedja/event-store';
import { DATA_KEY_KIND, PERSONAL_DATA_ERASED, isSealed, type FreshPerson, type PersonalData } from '@kedja/personal-data';
import { problem, type ProblemBody, type ProblemCode } from '../problems/problem';
import type { ParsedEvent, Subject, ValidEvent } from './envelope';

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
  /**
   * Cached states a looked-up plan read on from: their stream in `streams` holds only the events
   * after the state's version. Taken when the read was asked for, as the cache may move meanwhile.
   */
  readonly bases: Map<string, { readonly version: number; readonly state: PersonState }>;
  /** Owners of the group's sources, as looked up (or cached); a source absent here is taken as free. */
  readonly sourceOwners: Map<string, string>;
  /** Data keys of the known persons whose identifiers the group seals or compares. */
  readonly keys: Map<string, Buffer>;
  /** Ids and keys for the persons the group's MigrationCaseOpened events create, taken in order. */
  readonly fresh: FreshPerson[];
}

interface PersonWork {
  readonly personId: string;
  /** Version of the stream as loaded; the append expects exactly this. */
  readonly loadedVersion: number;
  state: PersonState;
  readonly events: NewEvent[];
  readonly identities: IdentityClaim[];
  readonly indices: number[];
  /** The person's data key when created by this group. */
  readonly key?: Buffer;
}

/** One request waiting in the queue. */
interface Submission {
  readonly posted: readonly Posted[];
  resolve(results: EventResult[]): void;
  reject(error: unknown): void;
}

/** A decided group: the results so far (rejections) and what to append per person. */
interface Plan {
  readonly results: EventResult[];
  readonly work: readonly PersonWork[];
  /** Every person whose state a decision read, including ones whose events were all rejected. */
  readonly touched: ReadonlySet<string>;
  /**
   * Decided without looking the events up or checking that claimed identifiers are free: the
   * append must then hold new events only (`newOnly`), and its checks stand in for the lookups.
   */
  readonly optimistic: boolean;
}

/** The group whose append is in flight: what it touches, and when it is done (either way). */
interface InFlight {
  readonly keys: ReadonlySet<string>;
  readonly persons: ReadonlySet<string>;
  readonly done: Promise<void>;
}

/**
 * The event ids and identifiers a group's events name: a later group naming any of them must see
 * the earlier group's append (a new dossier, a claimed personnummer, an id already recorded).
 */
function requestKeys(posted: readonly Posted[], pnrIndex: (event: ValidEvent) => string): Set<string> {
  const keys = new Set<string>();
  for (const { item } of posted) {
    if (!item.ok) continue;
    const { event } = item;
    keys.add(`e\u0000${identityKey(event.source, event.id)}`);
    keys.add(`i\u0000${identityKey(event.subject.kind, event.subject.value)}`);
    if (event.type === 'PopulationRegistered') keys.add(`i\u0000${identityKey('pnr', pnrIndex(event))}`);
  }
  return keys;
}

function overlaps(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const key of small) if (large.has(key)) return true;
  return false;
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

/** A stream id no person has (person ids are UUIDs), read in place of an unknown subject's stream. */
const NO_STREAM = 'no-such-person';

/** How often a batch is re-tried event by event after losing a race with another writer. */
const MAX_ATTEMPTS = 40;

/** Groups appending or decided and waiting to append. */
const PIPELINE_DEPTH = 2;

/**
 * Queued events worth deciding while an append is in flight: about as many as take as long to
 * decide as an append takes (measured: ~6 ms for 100 simulated events, 3-5 ms for the append).
 */
const EAGER_EVENTS = 100;

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

  /**
   * Which person an identifier (dossier, personnummer, person id) is linked to, as this process
   * has read or claimed it, so an optimistic plan need not ask the store. A link is never changed
   * or removed by an append (claims only ever add), so another process's appends cannot make an
   * entry wrong. Erasure (not built yet) will remove links, so an entry is used only while its
   * person's state is cached too: a decision resting on it is then appended with that state's
   * version as the expected one. Erasure must therefore append to the person's stream, as the
   * log has to record it anyway; the version check then refuses the stale decision, both caches
   * are cleared, and the group is decided again with the links read afresh.
   */
  private readonly owners = new Map<string, string>();

  /** The actor owning each source, as this process has read or claimed it (see ownSource). */
  private readonly sourceOwners = new Map<string, string>();
  /**
   * Persons whose stream this process has read with their erasure in it. Their key is destroyed
   * just after that event is appended; a decision in between could still find the key, cache it
   * and later seal a new identifier with it, so an erased person takes no identifier whatever
   * this process still holds. Erasures are rare: the set stays small.
   */
  private readonly erased = new Set<string>();

  /** The clear subject of each event whose subject was replaced by its keyed hash (see `record`). */
  private readonly clearSubjects = new WeakMap<ValidEvent, Subject>();

  constructor(
    private readonly store: EventStore,
    /** Identifiers are claimed and looked up by keyed hash and stored only sealed (CONTRACT.md v1.1). */
    private readonly personalData: PersonalData,
    private readonly clock: () => Date = () => new Date(),
    // A person's state holds their history (a few kB), so 10,000 of them stay well under 100 MB.
    private readonly cacheSize = 10_000,
  ) {}

  /** Requests waiting to be decided, in arrival order. */
  private queue: Submission[] = [];
  private pumping = false;
  /** Groups whose appends are in flight or waiting their turn, in group order. */
  private readonly flights = new Set<InFlight>();

  /**
   * When the latest in-flight group matching `test` is done (appends run in group order, so
   * every earlier group is done by then too), or undefined if none matches.
   */
  private lastFlight(test: (flight: InFlight) => boolean): Promise<void> | undefined {
    let last: InFlight | undefined;
    for (const flight of this.flights) if (test(flight)) last = flight;
    return last?.done;
  }

  /**
   * Records one request's events. Concurrent requests are decided and appended together in one
   * transaction (group commit), each event still with its own result; requests are taken in
   * arrival order, so events about one person keep the order they were posted in.
   *
   * Groups are pipelined: the next group is resolved and decided while the previous one's append
   * is in flight (on PostgreSQL, a round trip and the server's work), unless the two share an
   * event id, a subject or a person: then it waits for that append to finish and reads afresh.
   * Appends themselves still run one at a time, in group order, and only one group, of at least
   * EAGER_EVENTS, waits behind the append in flight.
   */
  async record(items: readonly ParsedEvent[], poster: Poster, requestId?: string): Promise<EventResult[]> {
    // From here on a dossier or personnummer subject is its keyed hash: that is what the identity
    // index holds and what every lookup, claim and cache below compares.
    const blinded = items.map((item) => (item.ok ? { ok: true as const, event: this.blind(item.event) } : item));
    const results = await new Promise<EventResult[]>((resolve, reject) => {
      this.queue.push({ posted: blinded.map((item) => ({ item, poster, requestId })), resolve, reject });
      this.pump();
    });
    // Groups commit without waiting for the disk (SQLite), so the next group is decided while this
    // one syncs; nothing is answered before its commit (and every one before it) is on disk.
    await this.store.sync();
    return results;
  }

  private blind(event: ValidEvent): ValidEvent {
    if (event.subject.kind === 'person') return event;
    const blinded: ValidEvent = { ...event, subject: { kind: event.subject.kind, value: this.personalData.index(event.subject.kind, event.subject.value) } as Subject };
    this.clearSubjects.set(blinded, event.subject);
    return blinded;
  }

  /** The keyed hash of a registration's personnummer, worked out once per event (a plan may run twice). */
  private readonly pnrIndexes = new WeakMap<ValidEvent, string>();
  private pnrIndex = (event: ValidEvent): string => {
    let index = this.pnrIndexes.get(event);
    if (index === undefined) {
      index = this.personalData.index('pnr', event.data.personalIdentityNumber as string);
      this.pnrIndexes.set(event, index);
    }
    return index;
  };

  private queuedEvents(): number {
    let count = 0;
    for (const submission of this.queue) count += submission.posted.length;
    return count;
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void (async () => {
      try {
        while (this.queue.length > 0) {
          // Let requests that arrived meanwhile join this group.
          await new Promise((resolve) => setImmediate(resolve));
          // One group decided and waiting behind the append in flight is enough to keep the store
          // busy; later requests gather in the queue meanwhile and go as one larger group (one
          // commit, one round trip) instead of a chain of small ones, each a commit of its own.
          while (this.flights.size >= PIPELINE_DEPTH) await this.flights.values().next().value!.done;
          // A small group decided ahead saves less than it costs: it would leave out every request
          // arriving until the append in flight is done (single events from a few clients went
          // as groups of six and one, each a commit), so it waits for that append instead.
          while (this.flights.size > 0 && this.queuedEvents() < EAGER_EVENTS) await this.flights.values().next().value!.done;
          let count = 0;
          let take = 0;
          while (take < this.queue.length && (take === 0 || count + this.queue[take].posted.length <= MAX_GROUP_EVENTS)) {
            count += this.queue[take].posted.length;
            take++;
          }
          const group = this.queue.splice(0, take);
          await this.startGroup(group);
        }
      } finally {
        this.pumping = false;
      }
    })();
  }

  /** Decides a group and starts its append; resolves once the append is under way. */
  private async startGroup(group: readonly Submission[]): Promise<void> {
    const posted = group.flatMap((submission) => submission.posted);
    const settle = (results: EventResult[]) => {
      let offset = 0;
      for (const submission of group) {
        submission.resolve(results.slice(offset, offset + submission.posted.length));
        offset += submission.posted.length;
      }
    };
    const fail = (error: unknown) => {
      for (const submission of group) submission.reject(error);
    };
    try {
      const keys = requestKeys(posted, this.pnrIndex);
      const earlier = this.lastFlight((flight) => overlaps(flight.keys, keys));
      if (earlier) await earlier;
      let plan = await this.plan(posted);
      // Decided on a person an earlier group is still appending for: wait for it and decide again.
      for (let wait = this.lastFlight((flight) => overlaps(flight.persons, plan.touched)); wait; wait = this.lastFlight((flight) => overlaps(flight.persons, plan.touched))) {
        await wait;
        plan = await this.plan(posted);
      }
      const previous = this.lastFlight(() => true);
      const done = (async () => {
        // One append at a time, in group order.
        if (previous) await previous;
        return this.commit(posted, plan);
      })();
      const flight: InFlight = { keys, persons: plan.touched, done: done.then(() => undefined, () => undefined) };
      this.flights.add(flight);
      done.then(settle, fail).finally(() => this.flights.delete(flight));
    } catch (error) {
      fail(error);
    }
  }

  /**
   * Appends a decided group. An optimistic plan that the append refuses (an event stored already,
   * an identifier claimed, a stale state) is decided again with everything looked up; a lost race
   * after that redoes the events one by one against fresh state.
   */
  private async commit(posted: readonly Posted[], plan: Plan): Promise<EventResult[]> {
    try {
      return await this.append(posted, plan);
    } catch (error) {
      if (!isRace(error)) throw error;
      this.forget(error);
    }
    if (plan.optimistic) {
      try {
        return await this.append(posted, await this.plan(posted, false));
      } catch (error) {
        if (!isRace(error)) throw error;
        this.forget(error);
      }
    }
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
        this.forget(error);
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
    return this.append(posted, await this.plan(posted, false));
  }

  /**
   * Resolves subjects, checks idempotency and decides every event against the persons' states.
   * Optimistic, it takes every event for new and every claimed identifier for free without
   * asking the store (on PostgreSQL that saves a round trip per group; the append checks both),
   * and falls back to looking them up as soon as an event is rejected, as the rejection may be
   * the wrong answer for an event that turns out to be stored already.
   */
  private async plan(posted: readonly Posted[], optimistic = true): Promise<Plan> {
    const items = posted.map((one) => one.item);
    const now = this.clock();
    const results: EventResult[] = new Array(items.length);
    const persons = new Map<string, PersonWork>();
    const identities = new Map<string, string>();
    const seen = new Map<string, SeenEvent>();
    const sources = new Map<string, string>();
    const prefetched = await this.prefetch(items, optimistic);

    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (!item.ok) {
        results[i] = { ...(item.id ? { id: item.id } : {}), status: 'rejected', problem: item.problem };
        continue;
      }
      const event = item.event;
      try {
        results[i] = this.place(event, i, posted[i].poster, now, persons, identities, seen, sources, prefetched, posted[i].requestId);
      } catch (error) {
        if (!(error instanceof Rejection)) throw error;
        if (optimistic) return this.plan(posted, false);
        results[i] = { id: event.id, status: 'rejected', problem: error.body };
      }
    }
    return { results, work: [...persons.values()].filter((p) => p.events.length > 0), touched: new Set(persons.keys()), optimistic };
  }

  private async append(posted: readonly Posted[], plan: Plan): Promise<EventResult[]> {
    const { results, work } = plan;
    if (work.length > 0) {
      await this.store.appendMany(work.map((p) => ({
        streamId: p.personId,
        events: p.events,
        options: { expectedVersion: p.loadedVersion === 0 ? 'no-stream' : p.loadedVersion, identities: p.identities },
      })), { deferSync: true, newOnly: plan.optimistic });
      for (const p of work) {
        for (const i of p.indices) results[i] = { id: (posted[i].item as { event: ValidEvent }).event.id, status: 'recorded', personId: p.personId };
        this.remember(p.personId, p.loadedVersion + p.events.length, p.state);
        for (const claim of p.identities) if (claim.kind !== DATA_KEY_KIND) this.link(identityKey(claim.kind, claim.value), p.personId);
        for (const event of p.events) this.ownSource(event.source, event.metadata.actor);
      }
    }
    return results;
  }

  private place(
    event: ValidEvent, index: number, poster: Poster, now: Date,
    persons: Map<string, PersonWork>, identities: Map<string, string>, seen: Map<string, SeenEvent>, sources: Map<string, string>,
    prefetched: Prefetched, requestId?: string,
  ): EventResult {
    // Amendments v1.1 "Secrecy of posting": the checks run in a fixed order (who may post this
    // type, whose source it is, is the person in the poster's scope) and only then is the event
    // compared with what is recorded, so that neither `duplicate` nor `duplicate-id-conflict` ever
    // answers for an event the poster could not have posted (which would let it confirm hidden
    // fields by guessing them), and an out-of-scope person answers as one nobody has.
    const eventKey = identityKey(event.source, event.id);
    const { kind, value } = event.subject;
    const actorCode = event.actor ?? poster.actor;
    const actor = parseActor(actorCode);
    if (!actor) reject('not-permitted', 'The reporting actor is not an agency that posts events.');
    const command = { type: event.type, data: event.data, eventId: event.id, source: event.source, time: event.time, actor: actor!, now: now.toISOString() } as Command;
    const refusal = permitted(command);
    if (refusal && !refusal.ok) return reject(refusal.code as ProblemCode, refusal.detail);

    const sourceOwner = sources.get(event.source) ?? prefetched.sourceOwners.get(event.source) ?? this.sourceOwners.get(event.source);
    if (sourceOwner !== undefined && sourceOwner !== actorCode) reject('not-permitted', 'This source belongs to another actor.');

    const personId = identities.get(identityKey(kind, value)) ?? prefetched.identities.get(identityKey(kind, value)) ?? null;
    if (event.type === 'MigrationCaseOpened' && event.subject.kind !== 'dossier') reject('invalid-event', 'MigrationCaseOpened must have a dossier: subject; it creates the person.');
    if (!personId && event.type !== 'MigrationCaseOpened') reject('unknown-subject', UNKNOWN_SUBJECT_DETAIL);
    let target = personId ? persons.get(personId) ?? this.load(personId, prefetched, persons) : undefined;
    if (target) {
      const outOfScope = scoped(command, target.state);
      if (outOfScope && !outOfScope.ok) return reject(outOfScope.code as ProblemCode, outOfScope.detail);
    }

    // Idempotency on (source, id), within the poster's own events (a source has one owner):
    // first within this request, then against the log.
    const earlier = seen.get(eventKey);
    const stored = earlier === undefined ? prefetched.events.get(eventKey) ?? null : null;
    if (earlier !== undefined || stored) {
      const original = stored ? { personId: stored.streamId, type: stored.type, time: stored.eventTime, data: this.opened(stored, prefetched) } : earlier!;
      const same = contentKey(original.personId, original.type, original.time, original.data) === contentKey(personId ?? '', event.type, event.time, event.data);
      const originalPerson = original.personId;
      if (!same) reject('duplicate-id-conflict', 'An event with this id and source is already recorded with different content.');
      return { id: event.id, status: 'duplicate', personId: originalPerson };
    }

    const claims: IdentityClaim[] = [];
    if (event.type === 'MigrationCaseOpened') {
      if (personId) reject('subject-exists', 'A migration case with this dossier number already exists.');
      const fresh = prefetched.fresh.shift()!;
      claims.push({ kind: 'dossier', value: event.subject.value }, { kind: 'person', value: fresh.personId }, fresh.keyClaim);
      target = { personId: fresh.personId, loadedVersion: 0, state: initialState, events: [], identities: [], indices: [], key: fresh.key };
      persons.set(fresh.personId, target);
    }
    if (!target) return reject('unknown-subject', UNKNOWN_SUBJECT_DETAIL);
    // What is stored of the event's identifiers: sealed under the person's data key. A person with
    // no key has been erased: nothing can be recorded about them under an identifier any more.
    let storedData = event.data;
    let sealedSubject: string | undefined;
    const key = target.key ?? prefetched.keys.get(target.personId) ?? this.personalData.cachedKey(target.personId);
    if (event.type === 'PopulationRegistered') {
      const pnr = this.pnrIndex(event);
      const owner = identities.get(identityKey('pnr', pnr)) ?? prefetched.identities.get(identityKey('pnr', pnr));
      if (owner && owner !== target.personId) reject('identifier-conflict', 'This personnummer is already linked to another person.');
      if (!key || this.erased.has(target.personId)) reject('unknown-subject', UNKNOWN_SUBJECT_DETAIL);
      if (!owner) claims.push({ kind: 'pnr', value: pnr });
      storedData = { ...event.data, personalIdentityNumber: this.personalData.seal(key!, target.personId, event.data.personalIdentityNumber as string) };
    }
    if (event.type === 'MigrationCaseOpened') {
      // The dossier number, sealed, so that the index can be rebuilt (a new index secret) without it in clear.
      const clear = this.clearSubjects.get(event) ?? event.subject;
      sealedSubject = this.personalData.seal(key!, target.personId, `${clear.kind}:${clear.value}`);
    }

    const decision = decideAdmitted(command, target.state);
    if (!decision.ok) return reject(decision.code as ProblemCode, decision.detail);

    // The decision's own event object: decide may already have computed the facts after it.
    target.state = evolve(target.state, decision.events[0]);
    target.events.push({
      eventId: event.id,
      source: event.source,
      type: event.type,
      eventTime: event.time,
      ...(event.recordedTime ? { recordedTime: event.recordedTime } : {}),
      data: storedData,
      metadata: { actor: actorCode, postedBy: poster.sub, ...(requestId ? { correlationId: requestId } : {}), ...(sealedSubject ? { subject: sealedSubject } : {}) },
    });
    target.identities.push(...claims);
    target.indices.push(index);
    for (const claim of claims) identities.set(identityKey(claim.kind, claim.value), target.personId);
    seen.set(identityKey(event.source, event.id), { personId: target.personId, type: event.type, time: event.time, data: event.data });
    sources.set(event.source, actorCode);
    return { id: event.id, status: 'recorded', personId: target.personId };
  }

  private async prefetch(items: readonly ParsedEvent[], optimistic: boolean): Promise<Prefetched> {
    const keys: { source: string; eventId: string }[] = [];
    const claims: IdentityClaim[] = [];
    const known = new Map<string, string>();
    // Looked up only by a looked-up plan: an optimistic one takes an uncached source as free, and
    // the append (where the store claims each source for its actor) refuses it if it is not.
    const sources = new Set<string>();
    // Identifiers the group's own events claim: a later event naming one finds it in the plan, and
    // one before it is rejected (unknown subject), which sends the group to the looked-up plan.
    const claimedHere = new Set<string>();
    if (optimistic) {
      for (const item of items) {
        if (!item.ok) continue;
        const { event } = item;
        if (event.type === 'MigrationCaseOpened') claimedHere.add(identityKey(event.subject.kind, event.subject.value));
        else if (event.type === 'PopulationRegistered') claimedHere.add(identityKey('pnr', this.pnrIndex(event)));
      }
    }
    for (const item of items) {
      if (!item.ok) continue;
      const { event } = item;
      if (optimistic) {
        // The identifiers an event claims are taken as free (the append checks that), so only
        // the subjects of events about someone already known may need the store.
        const key = identityKey(event.subject.kind, event.subject.value);
        if (claimedHere.has(key)) continue;
        const owner = this.owners.get(key);
        if (owner !== undefined && this.states.has(owner)) known.set(key, owner);
        else claims.push({ kind: event.subject.kind, value: event.subject.value });
        continue;
      }
      keys.push({ source: event.source, eventId: event.id });
      sources.add(event.source);
      claims.push({ kind: event.subject.kind, value: event.subject.value });
      if (event.type === 'PopulationRegistered') claims.push({ kind: 'pnr', value: this.pnrIndex(event) });
    }
    let opening = 0;
    for (const item of items) if (item.ok && item.event.type === 'MigrationCaseOpened') opening++;
    const [stored, identities, sourceOwners, fresh] = await Promise.all([
      keys.length > 0 ? this.store.findEvents(keys) : [],
      claims.length > 0 ? this.store.resolveIdentities(claims) : new Map<string, string>(),
      sources.size > 0 ? this.store.resolveSourceOwners([...sources]) : new Map<string, string>(),
      Promise.all(Array.from({ length: opening }, () => this.personalData.freshPerson())),
    ]);
    for (const [source, actor] of sourceOwners) this.ownSource(source, actor);
    for (const [key, owner] of identities) this.link(key, owner);
    for (const [key, owner] of known) identities.set(key, owner);
    const events = new Map(stored.map((e) => [identityKey(e.source, e.eventId), e]));
    // A looked-up plan reads every person afresh: its rejections are answered as they are, with no
    // append whose expected version would catch a state cached before another process's append.
    // For a person whose state is cached it reads only what came after that state (nothing, unless
    // another process appended), in the same query: the same round trips, and neither the rows nor
    // the fold of a history the cache already holds. That also keeps a person out of the poster's
    // scope from costing a read and fold that an unknown subject does not (Amendments v1.1
    // "Unknown and out of scope answer alike"; the secrecy bench measures it).
    const uncached = [...new Set(identities.values())].filter((id) => !optimistic || !this.states.has(id));
    const bases = new Map<string, { version: number; state: PersonState }>();
    for (const id of uncached) {
      const cached = this.states.get(id);
      if (cached) bases.set(id, cached);
    }
    const afterVersions = new Map([...bases].map(([id, base]) => [id, base.version]));
    // On SQLite the read of a cached person above is a local query (tens of µs) that a subject no
    // one has would not make: there, an unknown subject reads a stream that cannot exist in its
    // place, so the two rejections do the same work. Not on PostgreSQL, where that read would be a
    // round trip of the unknown path only when the out-of-scope person's stream is read in the same
    // query anyway (measured: the paths are within 0.1 ms there without it).
    if (!optimistic && this.store.kind === 'sqlite' && claims.some((claim) => !identities.has(identityKey(claim.kind, claim.value)))) uncached.push(NO_STREAM);
    // Keys of the persons whose identifiers this group seals (a registration) or compares (a stored
    // event sent again). A looked-up plan asks the store (an erased person has none any more), in
    // the same round as the streams; an optimistic one uses the keys this process holds, and an
    // erasure since then moved the stream, which the append's version check catches.
    const keyed = new Set<string>();
    for (const item of items) {
      if (!item.ok || item.event.type !== 'PopulationRegistered') continue;
      const owner = identities.get(identityKey(item.event.subject.kind, item.event.subject.value));
      if (owner !== undefined) keyed.add(owner);
    }
    for (const event of stored) if (Object.values(event.data).some(isSealed)) keyed.add(event.streamId);
    const keyedFresh = new Map<string, Buffer>();
    for (const id of keyed) {
      const cached = optimistic ? this.personalData.cachedKey(id) : undefined;
      if (cached) {
        keyedFresh.set(id, cached);
        keyed.delete(id);
      }
    }
    const [streams, looked] = await Promise.all([
      uncached.length > 0 ? this.store.readStreams(uncached, { afterVersions }) : new Map<string, StoredEvent[]>(),
      keyed.size > 0 ? this.personalData.keysFor(keyed) : new Map<string, Buffer>(),
    ]);
    for (const [id, key] of looked) keyedFresh.set(id, key);
    return { events, identities, streams, keys: keyedFresh, fresh, sourceOwners, bases };
  }

  /** A source's owner never changes once claimed, so a cached one is never stale. */
  private ownSource(source: string, actor: string): void {
    if (this.sourceOwners.has(source)) return;
    this.sourceOwners.set(source, actor);
    if (this.sourceOwners.size > this.cacheSize) this.sourceOwners.delete(this.sourceOwners.keys().next().value!);
  }

  /** A stored event's data with its sealed identifiers opened, to compare it with the same event sent again. */
  private opened(stored: StoredEvent, prefetched: Prefetched): Readonly<Record<string, unknown>> {
    const key = prefetched.keys.get(stored.streamId);
    return key ? this.personalData.unsealData(key, stored.streamId, stored.data) : stored.data;
  }

  private link(key: string, personId: string): void {
    this.owners.delete(key);
    this.owners.set(key, personId);
    // A person has a few identifiers (dossier, personnummer, person id).
    if (this.owners.size > 4 * this.cacheSize) this.owners.delete(this.owners.keys().next().value!);
  }

  /**
   * After a lost race. Only a stream that moved makes the caches stale; a duplicate or a claimed
   * identifier says nothing about them (and a client retrying such events must not keep emptying
   * them for everyone). A stale entry that survives is still caught by the version check.
   */
  private forget(error: unknown): void {
    if (!(error instanceof WrongExpectedVersionError)) return;
    this.states.clear();
    this.owners.clear();
  }

  private remember(personId: string, version: number, state: PersonState): void {
    this.states.delete(personId);
    this.states.set(personId, { version, state });
    // Map iteration follows insertion order, so the first key is the least recently written.
    if (this.states.size > this.cacheSize) this.states.delete(this.states.keys().next().value!);
  }

  private load(personId: string, prefetched: Prefetched, persons: Map<string, PersonWork>): PersonWork {
    const read = prefetched.streams.get(personId);
    // Not read: the optimistic plan's cached state. Read after a cached state: that state, with
    // what came after it (a stream only grows; erasure appends too). Else the whole stream.
    const base = read === undefined ? this.states.get(personId) : prefetched.bases.get(personId);
    let state = base?.state ?? initialState;
    for (const stored of read ?? []) {
      if (stored.type === PERSONAL_DATA_ERASED) this.erased.add(personId);
      state = evolve(state, toRecorded(stored) as never);
    }
    const work: PersonWork = { personId, loadedVersion: (base?.version ?? 0) + (read?.length ?? 0), state, events: [], identities: [], indices: [] };
    persons.set(personId, work);
    return work;
  }
}

function toRecorded(stored: StoredEvent) {
  return { eventId: stored.eventId, source: stored.source, type: stored.type, time: stored.eventTime, data: stored.data, actor: stored.metadata.actor };
}

function isRace(error: unknown): boolean {
  return error instanceof WrongExpectedVersionError || error instanceof DuplicateEventConflictError || error instanceof IdentityConflictError
    || error instanceof EventAlreadyStoredError || error instanceof SourceOwnedError;
}

function identityProblem(error: IdentityConflictError): ProblemBody {
  return error.kind === 'dossier'
    ? problem('subject-exists', 'A migration case with this dossier number already exists.')
    : problem('identifier-conflict', 'This personnummer is already linked to another person.');
}
