import { actorCode, type Actor } from '../actors/actor';
import { CATALOGUE } from '../catalogue/catalogue';
import { countyOfMunicipality } from '../code-lists/municipalities';
import { instant } from '../catalogue/dates';
import type { EventDataMap, EventType } from '../catalogue/events';
import { effectiveEvents, factsAsOf, replay, retractionKey, step } from './facts';
import { latestInstant, rememberFactsAfter } from './memo';
import type { PersonFacts, PersonState, RecordedEvent } from './state';

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

export type RejectionCode = 'rule-violation' | 'subject-exists' | 'not-permitted';

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
  const spec = CATALOGUE[command.type];
  const actor = command.actor;
  if (!(spec.postedBy as readonly string[]).includes(actor.kind)) {
    return reject('not-permitted', `${actorCode(actor)} may not post ${command.type}`);
  }
  if (command.type === 'MigrationCaseOpened' && state.exists) {
    return reject('subject-exists', 'a person with this dossier number already exists');
  }
  if (command.type === 'EventRetracted') {
    const refusal = checkRetraction(command.data.eventId, command, state);
    if (refusal) return refusal;
  } else {
    const scope = checkScope(command, state);
    if (scope) return scope;
    const candidate = toRecorded(command);
    const rule = checkRules(command, candidate, state);
    if (rule) return reject('rule-violation', rule);
    return { ok: true, events: [candidate] };
  }
  return { ok: true, events: [toRecorded(command)] };
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

function municipalityOf(facts: PersonFacts): string | undefined {
  return facts.municipalityCode;
}

function countyOf(facts: PersonFacts): string | undefined {
  return facts.residenceMunicipalityCode ? countyOfMunicipality(facts.residenceMunicipalityCode) : undefined;
}

/**
 * A municipality reports only about its own people (bosättningslagen 2016:38 and the
 * municipality's duties under skollagen 2010:800 for SFI follow the person's municipality); a
 * region only about people living in its county. "Its own" is judged both now and as of the
 * event's time, so that a late report from the municipality the person has since left is accepted.
 */
function checkScope(command: Command, state: PersonState): Decision | undefined {
  const actor = command.actor;
  if (actor.kind === 'municipality') {
    const own = actor.municipalityCode;
    if (command.type === 'SettledInMunicipality') {
      return command.data.municipalityCode === own
        ? undefined
        : reject('not-permitted', 'a municipality may report only settlement in itself');
    }
    if (municipalityOf(state.facts) === own || municipalityOf(factsAsOf(state, command.time)) === own) return undefined;
    return reject('not-permitted', `the person is not assigned to, settled in or registered in ${own}`);
  }
  if (actor.kind === 'region') {
    if (countyOf(state.facts) === actor.countyCode || countyOf(factsAsOf(state, command.time)) === actor.countyCode) return undefined;
    return reject('not-permitted', `the person is not registered or settled in county ${actor.countyCode}`);
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
    return `${command.type} at this time would leave the later ${later?.type ?? 'event'} of ${later?.time ?? '?'} invalid: ${rule}`;
  }
  return undefined;
}

