import { type ActorRef, type NationalAgency, countyOfMunicipalityCode } from '../principal/actor';
import { categoryOf, visibleEvent } from '../visibility/policy';

export interface ScopedEvent {
  readonly type: string;
  readonly time: string | Date;
  readonly data: Readonly<Record<string, unknown>>;
}

export type Scope =
  | { readonly inScope: false }
  // Indices into the history as given (recording order), ascending.
  | { readonly inScope: true; readonly visibleIndices: readonly number[] };

const OUT_OF_SCOPE: Scope = { inScope: false };

function millis(time: string | Date): number {
  const ms = time instanceof Date ? time.getTime() : Date.parse(time);
  if (Number.isNaN(ms)) throw new TypeError(`event time is not a valid time: ${String(time)}`);
  return ms;
}

// Event time, ties by recording order: the order CONTRACT.md "Reading" fixes for timelines, so a
// late-reported move cuts the timeline where it happened, not where it was learned.
function chronological(history: readonly ScopedEvent[]): number[] {
  const times = history.map((e) => millis(e.time));
  return history.map((_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
}

function municipalityIn(event: ScopedEvent): string | undefined {
  const code = event.data.municipalityCode;
  return typeof code === 'string' ? code : undefined;
}

// Residence: where the person lives and is registered. Registration and moves are
// Skatteverket's folkbokföring; a settlement is the municipality receiving the person.
// ReceptionHousingAssigned is deliberately absent: ABO/EBO housing during the asylum process is
// Migrationsverket's responsibility, and the contract's scope names only "assigned to, settled
// in or registered in".
const RESIDENCE_EVENTS: ReadonlySet<string> = new Set(['PopulationRegistered', 'MovedToMunicipality', 'SettledInMunicipality']);

type Holds = (state: { residence?: string; assignment?: string }) => boolean;

// Shared by municipality and region: replay the placement events in event time and find when
// the caller held the person. The caller sees everything before the last time it stopped holding
// them, including the move that ended it; if it holds them now (never left, or came back), it
// sees the whole history, as any receiving municipality sees the history before arrival.
function placementScope(history: readonly ScopedEvent[], holds: Holds): Scope {
  const order = chronological(history);
  const state: { residence?: string; assignment?: string } = {};
  let everHeld = false;
  let holding = false;
  let cutAfter = -1;
  order.forEach((index, position) => {
    const event = history[index];
    const code = municipalityIn(event);
    if (code === undefined) return;
    if (event.type === 'MunicipalityAssigned') {
      state.assignment = code;
    } else if (RESIDENCE_EVENTS.has(event.type)) {
      state.residence = code;
      // An assignment is fulfilled, or made moot, once the person takes up residence anywhere
      // (bosättningslagen 2016:38): the assigned municipality's interest ends with that move.
      state.assignment = undefined;
    } else {
      return;
    }
    const now = holds(state);
    if (holding && !now) cutAfter = position;
    if (now) everHeld = true;
    holding = now;
  });
  if (!everHeld) return OUT_OF_SCOPE;
  const visible = holding ? order : order.slice(0, cutAfter + 1);
  return { inScope: true, visibleIndices: [...visible].sort((a, b) => a - b) };
}

const everyone = (history: readonly ScopedEvent[]): Scope => ({ inScope: true, visibleIndices: history.map((_, i) => i) });
const hasAny = (history: readonly ScopedEvent[], test: (e: ScopedEvent) => boolean): Scope =>
  history.some(test) ? everyone(history) : OUT_OF_SCOPE;

const LABOUR_OR_ALLOWANCE: ReadonlySet<string> = new Set(['labour', 'allowance']);

// The national agencies' mandates (DOMAIN.md "Actors", what each needs to see), as the event that
// brings a person into one:
// - migrationsverket: its own cases, i.e. anyone with a migration-category event;
// - skatteverket: anyone population-registered (it sees identifiers only);
// - arbetsformedlingen: people with a permit "who are or may be in the programme": anyone granted
//   a residence permit, or with any labour or allowance fact;
// - forsakringskassan: programme participants: anyone who started the programme or was granted
//   the establishment allowance.
// National agencies see the whole history of a person in their mandate; there is no cut-off.
const MANDATE: Readonly<Record<NationalAgency, (e: ScopedEvent) => boolean>> = {
  migrationsverket: (e) => categoryOf(e.type) === 'migration',
  skatteverket: (e) => categoryOf(e.type) === 'registration',
  arbetsformedlingen: (e) => e.type === 'ResidencePermitGranted' || LABOUR_OR_ALLOWANCE.has(categoryOf(e.type) ?? ''),
  forsakringskassan: (e) => e.type === 'EstablishmentProgrammeStarted' || e.type === 'EstablishmentAllowanceGranted',
};

/**
 * `scopeFor(actor, history).inScope` without working out which events: what a read model asks of
 * every person it writes (which national agencies may list them), so it stops at the first event
 * of a mandate instead of listing every index.
 */
export function isInScope(actor: ActorRef, history: readonly ScopedEvent[]): boolean {
  switch (actor.kind) {
    case 'migrationsverket':
    case 'skatteverket':
    case 'arbetsformedlingen':
    case 'forsakringskassan':
      return history.some(MANDATE[actor.kind]);
    default:
      return scopeFor(actor, history).inScope;
  }
}

// Which of a person's (non-retracted) events the actor may see at all, before field filtering.
export function scopeFor(actor: ActorRef, history: readonly ScopedEvent[]): Scope {
  switch (actor.kind) {
    case 'municipality':
      return placementScope(
        history,
        (s) => s.residence === actor.municipalityCode || s.assignment === actor.municipalityCode,
      );
    case 'region':
      // "registered or settled in its county": an assignment alone does not bring a person
      // into a region's care.
      return placementScope(
        history,
        (s) => s.residence !== undefined && countyOfMunicipalityCode(s.residence) === actor.countyCode,
      );
    case 'migrationsverket':
    case 'skatteverket':
    case 'arbetsformedlingen':
    case 'forsakringskassan':
      return hasAny(history, MANDATE[actor.kind]);
    case 'county':
    case 'analyst':
    case 'platform':
      // No person-level data at all (CONTRACT.md "Who sees what").
      return OUT_OF_SCOPE;
  }
}

export interface TimelineEvent extends ScopedEvent {
  readonly id: string;
  readonly source?: string;
  readonly recordedAt?: string | Date;
}

// A retraction names the `id` of an event the same `source` posted (CONTRACT.md catalogue).
function withoutRetracted<E extends TimelineEvent>(events: readonly E[]): E[] {
  const retracted = new Set<string>();
  const key = (source: string | undefined, id: unknown) => `${source ?? ''}\u0000${String(id)}`;
  for (const e of events) if (e.type === 'EventRetracted') retracted.add(key(e.source, e.data.eventId));
  return events.filter((e) => e.type !== 'EventRetracted' && !retracted.has(key(e.source, e.id)));
}

// A person's timeline as the actor may see it, in the order given, or null when the person is
// outside the actor's scope: the caller must then answer exactly as for a person that does not
// exist (404). Retractions are applied first, so a retracted move neither cuts nor extends scope.
// The summary the HTTP layer shows beside it must be derived from the returned events only.
export function filterTimeline<E extends TimelineEvent>(actor: ActorRef, events: readonly E[]): E[] | null {
  const history = withoutRetracted(events);
  const scope = scopeFor(actor, history);
  if (!scope.inScope) return null;
  const visible: E[] = [];
  for (const index of scope.visibleIndices) {
    const shown = visibleEvent(actor.kind, history[index]);
    if (shown) visible.push(shown);
  }
  return visible;
}
