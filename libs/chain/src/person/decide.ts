import { actorCode, type Actor } from '../actors/actor';
import { CATALOGUE } from '../catalogue/catalogue';
import { instant } from '../catalogue/dates';
import type { EventDataMap, EventType } from '../catalogue/events';
import { mayPostAbout } from '../scope/scope';
import { effectiveEvents, replay, retractionKey, step } from './facts';
import { latestInstant, rememberFactsAfter } from './memo';
import type { PersonState, RecordedEvent } from './state';

export type Command = {
  [T in EventType]: {
    readonly type: T;
    readonly data: EventDataMap[T];
    readonly eventId: string;
    readonly source: string;
    readonly time: string;
    readonly actor: Actor;
    /** Receipt time; the decision itself never reads a clock. */
    readonly now: string;
  };
}[EventType];

export type RejectionCode = 'rule-violation' | 'subject-exists' | 'not-permitted' | 'unknown-subject';

/**
 * The one answer for a subject the caller may not post about, the same as for a subject nobody
 * has (Amendments v1.1 "Unknown and out of scope answer alike"), so that posting is no oracle of
 * who exists outside the caller's scope.
 */
export const UNKNOWN_SUBJECT_DETAIL = 'no person in your scope has this identifier';

export type Decision =
  | { readonly ok: true; readonly events: readonly RecordedEvent[] }
  | { readonly ok: false; readonly code: RejectionCode; readonly detail: string };

const reject = (code: RejectionCode, detail: string): Decision => ({ ok: false, code, detail });

function codeOf(actor: string | Actor): string {
  return typeof actor === 'string' ? actor : actorCode(actor);
}

/**
 * The recording rules and posting permissions of CONTRACT.md. Facts from different agencies are
 * not checked against each other (an employment without a settlement is accepted); the views
 * flag such oddities instead.
 */
export function decide(command: Command, state: PersonState): Decision {
  return admit(command, state) ?? decideAdmitted(command, state);
}

/**
 * Who may post this event about this person, in the order Amendments v1.1 fixes: may this actor
 * post this type (and, for a settlement, for that municipality), then is the person in the
 * actor's scope or does this event create it (the scope rule of ../scope/scope.ts, the one that
 * timelines and views read with). The recorder asks this before its duplicate check, so that no
 * answer about an event already recorded reaches an actor that could not have posted it.
 * Undefined: admitted.
 */
export function admit(command: Command, state: PersonState): Decision | undefined {
  return permitted(command) ?? scoped(command, state);
}

/** The part of `admit` that reads no person: may this actor post this type (for this municipality). */
export function permitted(command: Command): Decision | undefined {
  const spec = CATALOGUE[command.type];
  const actor = command.actor;
  if (!(spec.postedBy as readonly string[]).includes(actor.kind)) {
    return reject('not-permitted', `${actorCode(actor)} may not post ${command.type}`);
  }
  if (command.type === 'SettledInMunicipality' && actor.kind === 'municipality' && command.data.municipalityCode !== actor.municipalityCode) {
    return reject('not-permitted', 'a municipality may report only settlement in itself');
  }
  return undefined;
}

/** The part of `admit` that reads the person: are they in the actor's scope, or does this event create it. */
export function scoped(command: Command, state: PersonState): Decision | undefined {
  const actor = command.actor;
  // Migrationsverket's case opening creates the person (and Migrationsverket's scope is everyone).
  if (command.type === 'MigrationCaseOpened') return undefined;
  if (command.type === 'EventRetracted') {
    // An actor retracts only what it posted: the person is in its scope for this if the log holds
    // an event under the retraction's source, which only that actor can post with.
    return state.history.some((e) => e.source === command.source) ? undefined : reject('unknown-subject', UNKNOWN_SUBJECT_DETAIL);
  }
  if (!state.exists || !mayPostAbout(actor, effectiveEvents(state), { type: command.type, time: command.time, data: command.data })) {
    return reject('unknown-subject', UNKNOWN_SUBJECT_DETAIL);
  }
  return undefined;
}

/** `decide` for a command `admit` let through: the recording rules alone. */
export function decideAdmitted(command: Command, state: PersonState): Decision {
  if (command.type === 'MigrationCaseOpened' && state.exists) {
    return reject('subject-exists', 'a person with this dossier number already exists');
  }
  if (command.type === 'EventRetracted') {
    const refusal = checkRetraction(command.data.eventId, command, state);
    if (refusal) return refusal;
    return { ok: true, events: [toRecorded(command)] };
  }
  const candidate = toRecorded(command);
  const rule = checkRules(command, candidate, state);
  if (rule) return reject('rule-violation', rule);
  return { ok: true, events: [candidate] };
}

function toRecorded(command: Command): RecordedEvent {
  const { type, data, eventId, source, time, actor } = command;
  return { type, data, eventId, source, time, actor: actorCode(actor) } as RecordedEvent;
}

function checkRetraction(targetId: string, command: Command, state: PersonState): Decision | undefined {
  const target = state.history.find((e) => e.source === command.source && e.eventId === targetId);
  if (!target) return reject('rule-violation', `no event with id ${JSON.stringify(targetId)} from this source in the person's record`);
  if (target.type === 'EventRetracted') return reject('rule-violation', 'a retraction cannot be retracted');
  if (codeOf(target.actor) !== actorCode(command.actor)) {
    return reject('not-permitted', 'only the actor that posted an event may retract it');
  }
  if (state.retractions.some((r) => r.source === command.source && r.eventId === targetId)) {
    return reject('rule-violation', 'the event is already retracted');
  }
  return undefined;
}

/**
 * Inserts the new event at its event-time position in the effective history and replays it.
 * The command is refused if the event breaks a rule there, or if it makes a later event break
 * one (e.g. a late-reported programme start inside an already reported programme).
 */
function checkRules(command: Command, candidate: RecordedEvent, state: PersonState): string | undefined {
  const t = instant(command.time);
  // Most facts arrive after everything already recorded (by event time): then no later event can
  // be broken and the maintained facts are the replay of the effective history, so one step is
  // the whole check. Only late-reported events pay for the insert-and-replay below.
  if (latestInstant(state.history) <= t) {
    const result = step(state.facts, candidate);
    if (result.violation) return `${command.type}: ${result.violation}`;
    // evolve steps the same facts with the same event (its time is at or after lastEventAt).
    rememberFactsAfter(candidate, state, result.facts);
    return undefined;
  }
  const existing = effectiveEvents(state);
  let at = existing.findIndex((e) => instant(e.time) > t);
  if (at < 0) at = existing.length;
  const withNew = [...existing.slice(0, at), candidate, ...existing.slice(at)];
  const replayed = replay(withNew);
  const after = replayed.violations;
  // A clean replay is the common outcome; only then is the history without the event needed, to
  // tell violations this event causes from ones the history already had.
  if (after.size === 0) {
    // evolve replays the same order (the candidate after equal times) when the event is earlier
    // than the last applied one; otherwise it steps, and computes that itself.
    const last = state.facts.lastEventAt;
    if (last !== undefined && t < instant(last)) rememberFactsAfter(candidate, state, replayed.facts);
    return undefined;
  }
  const own = after.get(retractionKey(candidate.source, candidate.eventId));
  if (own) return `${command.type}: ${own}`;
  const before = replay(existing).violations;
  for (const [key, rule] of after) {
    if (before.has(key)) continue;
    const later = existing.find((e) => retractionKey(e.source, e.eventId) === key);
    // Amendments v1.1 "Views show only facts the caller may see", for the one answer that talks
    // about another event: the poster learns the later event's type, time and broken rule only
    // when it posted that event itself. Another actor's later event may be one the poster's
    // timeline does not show (a move away cuts the former municipality's view; a region sees no
    // labour), so the detail then says no more than that some later event conflicts.
    if (later && codeOf(later.actor) === actorCode(command.actor)) {
      return `${command.type} at this time would leave your later ${later.type} of ${later.time} invalid: ${rule}`;
    }
    return `${command.type} at this time would leave a later event in the person's record invalid`;
  }
  return undefined;
}

