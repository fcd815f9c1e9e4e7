import { CATALOGUE } from '../catalogue/catalogue';
import { isEventType } from '../catalogue/events';

/**
 * The one scope rule (CONTRACT.md "Who sees what" and Amendments v1.1 "Secrecy of posting"):
 * which of a person's events an actor may see, and whether it may post about the person. Timelines,
 * views and posting all ask this module, so what an agency may post and what it may read cannot
 * drift apart. Pure: histories in, verdicts out.
 */
export interface ScopedEvent {
  readonly type: string;
  readonly time: string | Date;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The parts of an actor the rule reads (both @kedja/chain's Actor and @kedja/access's ActorRef fit). */
export type ScopeActor =
  | { readonly kind: 'municipality'; readonly municipalityCode: string }
  | { readonly kind: 'region' | 'county'; readonly countyCode: string }
  | { readonly kind: 'migrationsverket' | 'skatteverket' | 'arbetsformedlingen' | 'forsakringskassan' | 'analyst' | 'platform' };

export type Scope =
  | { readonly inScope: false }
  | {
      readonly inScope: true;
      /** Indices into the history as given (recording order), ascending. */
      readonly visibleIndices: readonly number[];
      /**
       * The index of the placement event that ended the caller's hold (a move away, a registration
       * or settlement elsewhere) when the caller no longer holds the person; its destination is
       * hidden (Amendments v1.1 "A move away hides the destination").
       */
      readonly endedBy?: number;
    };

const OUT_OF_SCOPE: Scope = { inScope: false };

type NationalAgency = 'migrationsverket' | 'skatteverket' | 'arbetsformedlingen' | 'forsakringskassan';

function millis(time: string | Date): number {
  const ms = time instanceof Date ? time.getTime() : Date.parse(time);
  if (Number.isNaN(ms)) throw new TypeError(`event time is not a valid time: ${String(time)}`);
  return ms;
}

const countyOfMunicipality = (code: string): string => code.slice(0, 2);

const categoryOf = (type: string): string | undefined => (isEventType(type) ? CATALOGUE[type].category : undefined);

// ReceptionHousingAssigned is deliberately absent: ABO/EBO housing during the asylum process is
// Migrationsverket's responsibility, and the contract's scope names only "assigned to, settled
// in or registered in".
const PLACEMENT_EVENTS: ReadonlySet<string> = new Set(['MunicipalityAssigned', 'PopulationRegistered', 'MovedToMunicipality', 'SettledInMunicipality']);
const REGISTRATION_EVENTS: ReadonlySet<string> = new Set(['PopulationRegistered', 'MovedToMunicipality']);

/** The latest municipality of each kind of link, as of some point in event time. */
interface Placement {
  registered?: string;
  settled?: string;
  assigned?: string;
  /** The latest settlement is later than the latest registration (or there is none). */
  settledSince?: boolean;
  /** The latest assignment is later than any settlement or registration: not yet taken up. */
  assignedOpen?: boolean;
}

/**
 * Amendments v1.1: the municipality holding a person is the one of the latest population
 * registration if any, else of the latest settlement, else of the latest assignment.
 */
const holderOf = (p: Placement): string | undefined => p.registered ?? p.settled ?? p.assigned;

function place(p: Placement, event: ScopedEvent): boolean {
  const code = event.data.municipalityCode;
  if (typeof code !== 'string') return false;
  if (event.type === 'MunicipalityAssigned') {
    p.assigned = code;
    p.assignedOpen = true;
  } else if (event.type === 'SettledInMunicipality') {
    p.settled = code;
    p.settledSince = true;
    p.assignedOpen = false;
  } else if (REGISTRATION_EVENTS.has(event.type)) {
    p.registered = code;
    p.settledSince = false;
    // An assignment is fulfilled, or made moot, once the person takes up residence anywhere
    // (bosättningslagen 2016:38): the assigned municipality's interest ends with that move.
    p.assignedOpen = false;
  }
  else return false;
  return true;
}

/** The placement events of a history in event time, ties by recording order, as indices. */
function placementsInOrder(history: readonly ScopedEvent[]): { index: number; at: number }[] {
  const placements: { index: number; at: number }[] = [];
  for (let i = 0; i < history.length; i++) if (PLACEMENT_EVENTS.has(history[i].type)) placements.push({ index: i, at: millis(history[i].time) });
  return placements.sort((a, b) => a.at - b.at || a.index - b.index);
}

/**
 * How a municipality or region is linked to a person: it holds them while the placement says so
 * (a municipality: it is the holding municipality, or reported the latest settlement since the
 * latest registration, so that its report is neither silenced by an older registration elsewhere
 * nor, once Skatteverket registers the person anywhere after it, kept alive by it, or has an
 * assignment not yet taken up; a region: residence or settlement in its county the same way);
 * `linked`
 * when it was ever assigned the person or had them registered, which is what gives it the
 * person's whole history. Without that link its hold rests on settlement claims only.
 */
interface Placer {
  holds(p: Placement): boolean;
  linked(event: ScopedEvent): boolean;
}

function placerFor(actor: ScopeActor): Placer | undefined {
  if (actor.kind === 'municipality') {
    const own = actor.municipalityCode;
    return {
      holds: (p) => holderOf(p) === own || (p.settledSince === true && p.settled === own) || (p.assignedOpen === true && p.assigned === own),
      linked: (e) => (e.type === 'MunicipalityAssigned' || REGISTRATION_EVENTS.has(e.type)) && e.data.municipalityCode === own,
    };
  }
  if (actor.kind === 'region') {
    const county = actor.countyCode;
    const inCounty = (code: string | undefined) => code !== undefined && countyOfMunicipality(code) === county;
    return {
      // "registered or settled in its county": an assignment alone does not bring a person into a region's care.
      holds: (p) => inCounty(p.registered ?? p.settled) || (p.settledSince === true && inCounty(p.settled)),
      linked: (e) => (e.type === 'MunicipalityAssigned' || REGISTRATION_EVENTS.has(e.type)) && typeof e.data.municipalityCode === 'string' && inCounty(e.data.municipalityCode),
    };
  }
  return undefined;
}

/** What the placement says about one municipality or region over the person's history. */
interface Hold {
  readonly everHeld: boolean;
  readonly holdingNow: boolean;
  /** Event time from which the caller sees the person (−∞ with a link; the first claim without). */
  readonly visibleFrom: number;
  /** Event time up to which it sees them (+∞ while holding). */
  readonly visibleUntil: number;
  /** Index of the placement that ended the hold, when it has ended. */
  readonly endedBy?: number;
  /** Whether the caller held the person at an event time (after every placement at or before it). */
  heldAt(at: number): boolean;
}

function holdOf(placer: Placer, history: readonly ScopedEvent[]): Hold {
  const order = placementsInOrder(history);
  const p: Placement = {};
  let everHeld = false;
  let holding = false;
  let linked = false;
  let firstHeldAt = Infinity;
  let endedAt = Infinity;
  let endedBy: number | undefined;
  // After each placement: whether the caller held the person from that event time on.
  const changes: { at: number; holds: boolean }[] = [];
  for (const { index, at } of order) {
    const event = history[index];
    if (!place(p, event)) continue;
    if (placer.linked(event)) linked = true;
    const now = placer.holds(p);
    if (holding && !now) {
      endedAt = at;
      endedBy = index;
    }
    if (now && !everHeld) firstHeldAt = at;
    if (now) everHeld = true;
    holding = now;
    changes.push({ at, holds: now });
  }
  return {
    everHeld,
    holdingNow: holding,
    // Amendments v1.1 "A settlement claim opens no history": a municipality (or the region of its
    // county) holding a person only through its own settlement report sees them from that report's
    // event time on, until an assignment or a registration links them (then the ordinary rule).
    visibleFrom: linked ? -Infinity : firstHeldAt,
    visibleUntil: holding ? Infinity : endedAt,
    ...(holding ? {} : { endedBy }),
    heldAt(at: number): boolean {
      let held = false;
      for (const change of changes) {
        if (change.at > at) break;
        held = change.holds;
      }
      return held;
    },
  };
}

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

const isNational = (kind: string): kind is NationalAgency => Object.prototype.hasOwnProperty.call(MANDATE, kind);

/**
 * Which of a person's effective (non-retracted) events the actor may see at all, before field
 * filtering. A municipality or region sees, while it holds the person, the whole history (or, when
 * its hold rests on its own settlement claims only, the history from the first claim on), and once
 * it no longer holds them, what happened up to and including the placement that ended the hold.
 */
export function scopeFor(actor: ScopeActor, history: readonly ScopedEvent[]): Scope {
  if (isNational(actor.kind)) {
    return history.some(MANDATE[actor.kind]) ? { inScope: true, visibleIndices: history.map((_, i) => i) } : OUT_OF_SCOPE;
  }
  const placer = placerFor(actor);
  // County boards, analysts and the platform: no person-level data at all (CONTRACT.md "Who sees what").
  if (!placer) return OUT_OF_SCOPE;
  const hold = holdOf(placer, history);
  if (!hold.everHeld) return OUT_OF_SCOPE;
  const visibleIndices: number[] = [];
  for (let i = 0; i < history.length; i++) {
    const at = millis(history[i].time);
    if (at < hold.visibleFrom || at > hold.visibleUntil) continue;
    // The placement that ended the hold is shown; later events at the same instant are not.
    if (at === hold.visibleUntil && hold.endedBy !== undefined && i > hold.endedBy) continue;
    visibleIndices.push(i);
  }
  return { inScope: true, visibleIndices, ...(hold.endedBy !== undefined ? { endedBy: hold.endedBy } : {}) };
}

/**
 * `scopeFor(actor, history).inScope` without working out which events: what a read model asks of
 * every person it writes (which national agencies may list them), so it stops at the first event
 * of a mandate instead of listing every index.
 */
export function isInScope(actor: ScopeActor, history: readonly ScopedEvent[]): boolean {
  if (isNational(actor.kind)) return history.some(MANDATE[actor.kind]);
  const placer = placerFor(actor);
  return placer !== undefined && holdOf(placer, history).everHeld;
}

/**
 * Whether the actor may post `event` about the person whose effective history this is: the
 * person is in its scope, or the event is one that creates it (Amendments v1.1): Skatteverket's
 * PopulationRegistered, a municipality's settlement in itself (Migrationsverket's
 * MigrationCaseOpened creates the person, and is not asked about here). A municipality or region
 * posts about a person it holds now, or held at the event's time (a late report from the
 * municipality the person has since left), and never about a time before its visible history
 * begins. Retractions are judged by the caller: an actor retracts only what it posted.
 */
export function mayPostAbout(actor: ScopeActor, history: readonly ScopedEvent[], event: ScopedEvent): boolean {
  if (isNational(actor.kind)) {
    if (actor.kind === 'skatteverket' && event.type === 'PopulationRegistered') return true;
    return history.some(MANDATE[actor.kind]);
  }
  if (actor.kind === 'municipality' && event.type === 'SettledInMunicipality' && event.data.municipalityCode === actor.municipalityCode) return true;
  const placer = placerFor(actor);
  if (!placer) return false;
  const hold = holdOf(placer, history);
  if (!hold.everHeld) return false;
  const at = millis(event.time);
  if (at < hold.visibleFrom) return false;
  return hold.holdingNow || hold.heldAt(at);
}

/** The municipality holding the person (see holderOf), from the effective history. */
export function holdingMunicipality(history: readonly ScopedEvent[]): string | undefined {
  const p: Placement = {};
  for (const { index } of placementsInOrder(history)) place(p, history[index]);
  return holderOf(p);
}

/**
 * Settlements reported by a municipality the person was never assigned to nor registered in
 * (Amendments v1.1, the data-quality anomaly `settlement-without-assignment-or-registration`),
 * with their event times, in event-time order.
 */
export function settlementClaims(history: readonly ScopedEvent[]): { readonly municipalityCode: string; readonly time: string | Date }[] {
  const linked = new Set<string>();
  for (const e of history) {
    if ((e.type === 'MunicipalityAssigned' || REGISTRATION_EVENTS.has(e.type)) && typeof e.data.municipalityCode === 'string') linked.add(e.data.municipalityCode);
  }
  const claims: { municipalityCode: string; time: string | Date }[] = [];
  for (const { index } of placementsInOrder(history)) {
    const e = history[index];
    if (e.type === 'SettledInMunicipality' && typeof e.data.municipalityCode === 'string' && !linked.has(e.data.municipalityCode)) {
      claims.push({ municipalityCode: e.data.municipalityCode, time: e.time });
    }
  }
  return claims;
}

/**
 * The municipality whose views list the person as a resident: of the latest registration, else
 * of the latest settlement in a municipality the person was assigned to or registered in. A
 * settlement claim (see settlementClaims) lists no one: the claimant sees the person on its
 * timeline from the claim on, never a view row folded from the whole history.
 */
export function residentMunicipality(history: readonly ScopedEvent[]): string | undefined {
  const linked = new Set<string>();
  for (const e of history) {
    if ((e.type === 'MunicipalityAssigned' || REGISTRATION_EVENTS.has(e.type)) && typeof e.data.municipalityCode === 'string') linked.add(e.data.municipalityCode);
  }
  const p: Placement = {};
  for (const { index } of placementsInOrder(history)) {
    const e = history[index];
    if (e.type === 'SettledInMunicipality' && !linked.has(e.data.municipalityCode as string)) continue;
    place(p, e);
  }
  return p.registered ?? p.settled;
}
