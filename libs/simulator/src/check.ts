import {
  decide,
  evolve,
  initialState,
  isValidPersonalIdentityNumber,
  parseActor,
  validateEventData,
  type Command,
  type PersonState,
} from '@kedja/chain';
import type { CloudEventJson } from './cloud-event';

const ENVELOPE_KEYS = ['specversion', 'id', 'source', 'type', 'time', 'subject', 'datacontenttype', 'actor', 'recordedtime', 'data'];
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * Replays a feed the way the service would record it, in file order: subjects resolved as the
 * contract says (a dossier creates the person, PopulationRegistered links the personnummer),
 * envelope and data validated, and every event decided against the person's state. Returns one
 * message per problem; empty when the whole feed would be recorded.
 */
export class FeedChecker {
  readonly problems: string[] = [];
  private readonly persons = new Map<string, PersonState>();
  private readonly subjects = new Map<string, string>();
  private readonly ids = new Set<string>();
  private previousRecorded = '';

  constructor(private readonly now: string) {}

  check(e: CloudEventJson): void {
    const fail = (message: string) => this.problems.length < 50 && this.problems.push(`${e.id} ${e.type}: ${message}`);
    if (Object.keys(e).join() !== ENVELOPE_KEYS.join()) fail(`envelope keys ${Object.keys(e).join()}`);
    if (e.specversion !== '1.0' || e.datacontenttype !== 'application/json') fail('specversion/datacontenttype');
    if (!/^urn:se:[a-z0-9:]+$/.test(e.source)) fail(`source ${e.source}`);
    if (!RFC3339_UTC.test(e.time) || !RFC3339_UTC.test(e.recordedtime)) fail('times are not RFC 3339');
    if (e.recordedtime < e.time) fail('recorded before it happened');
    if (e.recordedtime > this.now || e.time < '1990-01-01') fail('outside [1990, now]');
    if (e.recordedtime < this.previousRecorded) fail('feed not ordered by recordedtime');
    this.previousRecorded = e.recordedtime;
    if (this.ids.has(`${e.source} ${e.id}`)) fail('id repeated');
    this.ids.add(`${e.source} ${e.id}`);
    for (const issue of validateEventData(e.type, e.data, { time: e.time })) fail(`${issue.path} ${issue.message}`);
    const actor = parseActor(e.actor);
    if (!actor) return void fail(`actor ${e.actor}`);

    let personKey = this.subjects.get(e.subject);
    if (e.type === 'MigrationCaseOpened') {
      if (!e.subject.startsWith('dossier:') || personKey) return void fail('case opened twice or not on a dossier');
      personKey = e.subject;
      this.subjects.set(e.subject, personKey);
    } else if (!personKey) {
      return void fail(`unknown subject ${e.subject.slice(0, 7)}`);
    }
    if (actor.kind === 'migrationsverket' && !e.subject.startsWith('dossier:')) fail('Migrationsverket not on the dossier');
    if (e.type === 'PopulationRegistered') {
      const pnr = String(e.data.personalIdentityNumber);
      if (!isValidPersonalIdentityNumber(pnr)) fail('invalid personnummer');
      const linked = this.subjects.get(`pnr:${pnr}`);
      if (linked && linked !== personKey) fail('personnummer linked to two persons');
      this.subjects.set(`pnr:${pnr}`, personKey);
    }
    const state = this.persons.get(personKey) ?? initialState;
    const command = { type: e.type, data: e.data, eventId: e.id, source: e.source, time: e.time, actor, now: e.recordedtime } as Command;
    const decision = decide(command, state);
    if (!decision.ok) return void fail(`${decision.code}: ${decision.detail}`);
    let next = state;
    for (const recorded of decision.events) next = evolve(next, recorded);
    this.persons.set(personKey, next);
  }

  /** The folded state of every person, for assertions across the whole feed. */
  states(): IterableIterator<PersonState> {
    return this.persons.values();
  }
}
