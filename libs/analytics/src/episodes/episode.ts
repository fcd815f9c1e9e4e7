import { CLOSURE_REASONS, type AnalyticsEvent, type AttributeKey, type EncodedHistory, type EpisodeQuery, type PersonAttributes, type PersonHistory } from '../types';
import { parseTime, utcDay, utcYear } from '../time';
import { ageBand, emptyAttributes } from './attributes';

export interface Episode {
  readonly personId: string;
  /** Event time of the first `from` event. */
  readonly start: string;
  /** Event time of the `to` event reached, or the censoring time (case closure or as-of). */
  readonly end: string;
  /** The `to` type reached, or the competing cause (a type or closure reason) that ended it; null when censored. */
  readonly endType: string | null;
  readonly censoredBy: 'closure' | 'asOf' | null;
  /** Whole days between the UTC calendar dates of start and end. */
  readonly days: number;
  readonly event: boolean;
  readonly attributes: PersonAttributes;
}

const ROLE_FROM = 1;
const ROLE_TO = 2;
const ROLE_CLOSURE = 4;
const ROLE_OPENED = 8;
const ROLE_MUNICIPALITY = 16;
const ROLE_EDUCATION = 32;
const ROLE_RETRACTION = 64;
const ROLE_COMPETING = 128;

// The municipality a person belongs to for cohorting: Migrationsverket's assignment, the
// municipality's own settlement report, and Skatteverket's registrations. Reception housing
// (ABO/EBO during the asylum process) is deliberately absent: it says where the person waited,
// not which municipality received them.
const MUNICIPALITY_TYPES = ['MunicipalityAssigned', 'SettledInMunicipality', 'PopulationRegistered', 'MovedToMunicipality'];

const NO_EVENTS: readonly AnalyticsEvent[] = [];

let timeBuf = new Float64Array(256);
let roleBuf = new Uint8Array(256);

function ensureCapacity(n: number): void {
  if (timeBuf.length >= n) return;
  let size = timeBuf.length;
  while (size < n) size *= 2;
  timeBuf = new Float64Array(size);
  roleBuf = new Uint8Array(size);
}

function retractionKey(source: string, eventId: string): string {
  return `${source}\u0000${eventId}`;
}

/**
 * Finds one person's episode for a query. Compiled once per query and reused for every person:
 * the per-person work is one map lookup per event and two timestamp parses per relevant event,
 * with no allocation unless the person has retractions.
 *
 * Semantics, in order:
 * 1. As-of: an event (including an EventRetracted) whose recorded time is after as-of did not
 *    exist yet. Recorded time falls back to event time when the source did not give one.
 * 2. Retractions: an event named by a surviving EventRetracted of the same source vanishes. A
 *    retraction that is itself retracted has no effect (one level; the contract allows no more).
 * 3. Start: the earliest `from` event by event time. No start, no episode.
 * 4. End: the earliest `to` event at or after the start (the start event itself excluded, so
 *    `from` = `to` measures the time to the next occurrence). `to` events before the start are
 *    history that predates the clock and are ignored.
 * 5. Otherwise censored at the earlier of as-of and the first MigrationCaseClosed at or after the
 *    start; a closure before the start is contradictory data and ignored. A `to` event after the
 *    closure still counts: it is an observed fact, and censoring only stands in for facts that
 *    were never observed.
 */
export class EpisodeEvaluator {
  private readonly roles = new Map<string, number>();
  private readonly withAttributes: boolean;
  /** Cause number (1, 2, …, in the order of `competing`) of a competing event type or closure reason. */
  private readonly competingTypes = new Map<string, number>();
  private readonly competingReasons = new Map<string, number>();
  /** The competing causes, in order: event types and closure reasons as the query gave them. */
  readonly competing: readonly string[];
  /** 0: the `to` event or censored (see `event`); k ≥ 1: ended by competing cause k. */
  cause = 0;
  /** The event that ended the episode by a competing cause; -1 when none. */
  competingIndex = -1;

  startIndex = -1;
  endIndex = -1;
  closureIndex = -1;
  startMs = NaN;
  endMs = NaN;
  censorMs = NaN;
  closureMs = NaN;
  days = 0;
  private openedIndex = -1;
  private municipalityIndex = -1;
  private educationIndex = -1;
  private events: readonly AnalyticsEvent[] = [];
  /** Set while the last evaluated history was an EncodedHistory (then `events` is empty). */
  private encoded: EncodedHistory | null = null;
  /** Roles by type code of `codeTypes`, the type table of the encoded histories seen last. */
  private codeRoles = new Uint8Array(0);
  private codeTypes: readonly string[] | null = null;

  constructor(query: EpisodeQuery, options: { attributes?: boolean } = {}) {
    this.withAttributes = options.attributes ?? true;
    const add = (type: string, role: number) => this.roles.set(type, (this.roles.get(type) ?? 0) | role);
    add(query.from, ROLE_FROM);
    for (const t of typeof query.to === 'string' ? [query.to] : query.to) add(t, ROLE_TO);
    add('MigrationCaseClosed', ROLE_CLOSURE);
    add('EventRetracted', ROLE_RETRACTION);
    this.competing = [...(query.competing ?? [])];
    this.competing.forEach((c, k) => {
      if (CLOSURE_REASONS.includes(c)) this.competingReasons.set(c, k + 1);
      else {
        this.competingTypes.set(c, k + 1);
        add(c, ROLE_COMPETING);
      }
    });
    if (this.withAttributes) {
      add('MigrationCaseOpened', ROLE_OPENED);
      for (const t of MUNICIPALITY_TYPES) add(t, ROLE_MUNICIPALITY);
      add('CompetenceMapped', ROLE_EDUCATION);
    }
  }

  /** True when the person has an episode as of `asOfMs`; the fields above then describe it. */
  evaluate(events: readonly AnalyticsEvent[], asOfMs: number): boolean {
    const n = events.length;
    ensureCapacity(n);
    this.events = events;
    this.encoded = null;
    this.startIndex = this.endIndex = this.closureIndex = this.competingIndex = -1;
    this.openedIndex = this.municipalityIndex = this.educationIndex = -1;
    const roles = this.roles;
    let retractions: number[] | null = null;
    let start = -1;
    let startMs = Infinity;

    for (let i = 0; i < n; i++) {
      const e = events[i];
      const role = roles.get(e.type);
      if (role === undefined) {
        roleBuf[i] = 0;
        continue;
      }
      const t = parseTime(e.time);
      const rec = e.recordedTime && e.recordedTime !== e.time ? parseTime(e.recordedTime) : t;
      if (!(rec <= asOfMs) || t !== t) {
        roleBuf[i] = 0;
        continue;
      }
      roleBuf[i] = role;
      timeBuf[i] = t;
      if (role & ROLE_RETRACTION) (retractions ??= []).push(i);
      if (role & ROLE_FROM && t < startMs) {
        startMs = t;
        start = i;
      }
    }

    if (retractions !== null && this.applyRetractions(events, retractions)) start = this.earliestStart(n);
    return this.finish(n, start, asOfMs);
  }

  /**
   * The same as `evaluate` for a history in a store's compact form: identical answers, without an
   * object per event. Only events whose type has a role are asked for their times.
   */
  evaluateEncoded(history: EncodedHistory, asOfMs: number): boolean {
    const n = history.length;
    ensureCapacity(n);
    this.events = NO_EVENTS;
    this.encoded = history;
    if (history.types !== this.codeTypes) {
      this.codeRoles = Uint8Array.from(history.types, (t) => this.roles.get(t) ?? 0);
      this.codeTypes = history.types;
    }
    const codeRoles = this.codeRoles;
    const roles = this.roles;
    this.startIndex = this.endIndex = this.closureIndex = this.competingIndex = -1;
    this.openedIndex = this.municipalityIndex = this.educationIndex = -1;
    let retractions: number[] | null = null;
    let start = -1;
    let startMs = Infinity;
    for (let i = 0; i < n; i++) {
      const code = history.code(i);
      const role = code >= 0 ? codeRoles[code] : (roles.get(history.typeName(i)) ?? 0);
      if (role === 0) {
        roleBuf[i] = 0;
        continue;
      }
      const t = history.time(i);
      const rec = history.recorded(i);
      if (!(rec <= asOfMs) || t !== t) {
        roleBuf[i] = 0;
        continue;
      }
      roleBuf[i] = role;
      timeBuf[i] = t;
      if (role & ROLE_RETRACTION) (retractions ??= []).push(i);
      if (role & ROLE_FROM && t < startMs) {
        startMs = t;
        start = i;
      }
    }
    if (retractions !== null && this.applyEncodedRetractions(history, retractions)) start = this.earliestStart(n);
    return this.finish(n, start, asOfMs);
  }

  private earliestStart(n: number): number {
    let start = -1;
    let startMs = Infinity;
    for (let i = 0; i < n; i++) {
      if (roleBuf[i] & ROLE_FROM && timeBuf[i] < startMs) {
        startMs = timeBuf[i];
        start = i;
      }
    }
    return start;
  }

  /** The episode from the roles and times of the visible events; false without a start. */
  private finish(n: number, start: number, asOfMs: number): boolean {
    if (start < 0) return false;
    const startMs = timeBuf[start];

    let endMs = Infinity;
    let closureMs = Infinity;
    let openedMs = Infinity;
    let muniBeforeMs = -Infinity;
    let muniBefore = -1;
    let muniAfterMs = Infinity;
    let muniAfter = -1;
    let eduMs = -Infinity;
    let competingMs = Infinity;
    let competingIndex = -1;
    let cause = 0;
    const reasons = this.competingReasons.size > 0;
    for (let i = 0; i < n; i++) {
      const role = roleBuf[i];
      if (role === 0) continue;
      const t = timeBuf[i];
      if (role & ROLE_TO && t >= startMs && t < endMs && i !== start) {
        endMs = t;
        this.endIndex = i;
      }
      if (role & ROLE_CLOSURE && t >= startMs && t < closureMs) {
        closureMs = t;
        this.closureIndex = i;
      }
      if (role & (ROLE_COMPETING | ROLE_CLOSURE) && t >= startMs && i !== start) {
        const k = this.competingCause(i, role, reasons);
        // Between competing causes at one instant, the first listed wins.
        if (k > 0 && (t < competingMs || (t === competingMs && k < cause))) {
          competingMs = t;
          competingIndex = i;
          cause = k;
        }
      }
      if (role & ROLE_OPENED && t < openedMs) {
        openedMs = t;
        this.openedIndex = i;
      }
      if (role & ROLE_MUNICIPALITY) {
        if (t <= startMs) {
          if (t >= muniBeforeMs) {
            muniBeforeMs = t;
            muniBefore = i;
          }
        } else if (t < muniAfterMs) {
          muniAfterMs = t;
          muniAfter = i;
        }
      }
      if (role & ROLE_EDUCATION && t >= eduMs) {
        eduMs = t;
        this.educationIndex = i;
      }
    }
    this.municipalityIndex = muniBefore >= 0 ? muniBefore : muniAfter;
    this.closureMs = closureMs;

    this.startIndex = start;
    this.startMs = startMs;
    // A competing exit before the `to` event ends the episode there; `to` wins a tie.
    if (competingIndex >= 0 && competingMs < endMs) {
      this.endIndex = -1;
      this.competingIndex = competingIndex;
      this.cause = cause;
      endMs = competingMs;
    } else {
      this.competingIndex = -1;
      this.cause = 0;
    }
    if (this.endIndex >= 0 || this.competingIndex >= 0) {
      this.endMs = endMs;
      this.censorMs = NaN;
    } else {
      this.endMs = NaN;
      this.censorMs = Math.min(closureMs, asOfMs);
    }
    const stopMs = this.endIndex >= 0 || this.competingIndex >= 0 ? endMs : this.censorMs;
    this.days = Math.max(0, utcDay(stopMs) - utcDay(startMs));
    return true;
  }

  get event(): boolean {
    return this.endIndex >= 0;
  }

  /** Cause k ≥ 1 of a competing event type or closure reason at event i; 0 when it is neither. */
  private competingCause(i: number, role: number, reasons: boolean): number {
    if (role & ROLE_COMPETING) {
      const type = this.encoded !== null ? this.encoded.typeName(i) : this.events[i].type;
      const k = this.competingTypes.get(type);
      if (k !== undefined) return k;
    }
    if (role & ROLE_CLOSURE && reasons) {
      const reason = this.dataOf(i, 'reason');
      if (typeof reason === 'string') return this.competingReasons.get(reason) ?? 0;
    }
    return 0;
  }

  get censoredBy(): 'closure' | 'asOf' | null {
    if (this.endIndex >= 0 || this.competingIndex >= 0) return null;
    return this.closureIndex >= 0 && this.closureMs <= this.censorMs ? 'closure' : 'asOf';
  }

  /**
   * Fills `out` with the person's attributes for the last evaluated episode; with `only`, just
   * those keys (the others are left as they are: a caller that reads only these saves decoding).
   */
  attributes(out: PersonAttributes, only?: ReadonlySet<AttributeKey>): PersonAttributes {
    const all = only === undefined;
    const year = utcYear(this.startMs);
    if (all || only.has('year')) out.year = year;
    const opened = this.openedIndex;
    if (all || only.has('gender')) out.gender = opened >= 0 ? stringOrNull(this.dataOf(opened, 'gender')) : null;
    if (all || only.has('route')) out.route = opened >= 0 ? stringOrNull(this.dataOf(opened, 'route')) : null;
    if (all || only.has('ageBand')) out.ageBand = opened >= 0 ? ageBand(numberOrNull(this.dataOf(opened, 'birthYear')), year) : null;
    if (all || only.has('municipalityCode') || only.has('countyCode')) {
      const muni = this.municipalityIndex >= 0 ? stringOrNull(this.dataOf(this.municipalityIndex, 'municipalityCode')) : null;
      out.municipalityCode = muni;
      // The first two digits of a kommunkod are the länskod (SCB).
      out.countyCode = muni !== null && muni.length === 4 ? muni.slice(0, 2) : null;
    }
    if (all || only.has('highestEducation')) {
      out.highestEducation = this.educationIndex >= 0 ? stringOrNull(this.dataOf(this.educationIndex, 'highestEducation')) : null;
    }
    return out;
  }

  private dataOf(i: number, name: string): unknown {
    return this.encoded !== null ? this.encoded.data(i, name) : this.events[i].data[name];
  }

  /**
   * applyRetractions for an encoded history, where ids are positions and a retraction names its
   * target by position (the store resolved the source and id): the same one-level rule.
   */
  private applyEncodedRetractions(history: EncodedHistory, retractions: number[]): boolean {
    const targets: number[] = retractions.map((r) => history.retractionTarget(r));
    let removed = false;
    for (let k = 0; k < retractions.length; k++) {
      if (targets.includes(retractions[k])) continue;
      const target = targets[k];
      if (target >= 0 && target < history.length && roleBuf[target] !== 0) {
        roleBuf[target] = 0;
        removed = true;
      }
    }
    return removed;
  }

  /** Marks retracted events as absent; true when any relevant event was removed. */
  private applyRetractions(events: readonly AnalyticsEvent[], retractions: number[]): boolean {
    const targets = new Set<string>();
    for (const i of retractions) {
      const id = events[i].data.eventId;
      if (typeof id === 'string') targets.add(retractionKey(events[i].source, id));
    }
    const effective = new Set<string>();
    for (const i of retractions) {
      if (targets.has(retractionKey(events[i].source, events[i].eventId))) continue;
      const id = events[i].data.eventId;
      if (typeof id === 'string') effective.add(retractionKey(events[i].source, id));
    }
    if (effective.size === 0) return false;
    let removed = false;
    for (let i = 0; i < events.length; i++) {
      if (roleBuf[i] !== 0 && effective.has(retractionKey(events[i].source, events[i].eventId))) {
        roleBuf[i] = 0;
        removed = true;
      }
    }
    return removed;
  }
}

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function parseAsOf(asOf: string): number {
  const ms = parseTime(asOf);
  if (ms !== ms) throw new RangeError(`asOf is not an RFC 3339 time: ${asOf}`);
  return ms;
}

/**
 * One person's episode for `query` as known at `asOf`, or null when the person never reached
 * `from` (such people are not part of any analysis). `days` is the difference between the UTC
 * calendar dates of start and end, so an event late on day d and one early on day d+1 are one day
 * apart: day counts match the date arithmetic analysts do on exported dates, which a 24-hour
 * floor would not.
 */
export function buildEpisode(history: PersonHistory, query: EpisodeQuery, asOf: string): Episode | null {
  const evaluator = new EpisodeEvaluator(query);
  const asOfMs = parseAsOf(asOf);
  if (!evaluator.evaluate(history.events, asOfMs)) return null;
  return materialiseEpisode(evaluator, history, asOf);
}

export function materialiseEpisode(evaluator: EpisodeEvaluator, history: PersonHistory, asOf: string): Episode {
  const ev = history.events;
  const censoredBy = evaluator.censoredBy;
  const end =
    evaluator.endIndex >= 0
      ? ev[evaluator.endIndex].time
      : evaluator.competingIndex >= 0
        ? ev[evaluator.competingIndex].time
        : censoredBy === 'closure'
          ? ev[evaluator.closureIndex].time
          : asOf;
  return {
    personId: history.personId,
    start: ev[evaluator.startIndex].time,
    end,
    endType: evaluator.endIndex >= 0 ? ev[evaluator.endIndex].type : evaluator.competingIndex >= 0 ? evaluator.competing[evaluator.cause - 1] : null,
    censoredBy,
    days: evaluator.days,
    event: evaluator.event,
    attributes: evaluator.attributes(emptyAttributes()),
  };
}
