import { settlementClaims, type PersonFacts } from '@kedja/chain';

/** The anomaly of a settlement reported by a municipality never assigned nor registered (Amendments v1.1). */
export const SETTLEMENT_CLAIM = 'settlement-without-assignment-or-registration';
import { personViewProjection, type PersonViewSpec } from './person-table';
import { chronological } from './person-history';

export interface Step {
  readonly status: string;
  readonly since: string | null;
  readonly [extra: string]: unknown;
}

export interface ResidentDetail {
  readonly settledAt: string | null;
  readonly arrangement: string | null;
  /** The municipality of the latest population registration (a reader may see it without the settlement). */
  readonly registeredIn?: string | null;
  /**
   * Data-quality anomalies the holding municipality follows up: a settlement claimed by a
   * municipality the person was never assigned to nor registered in (Amendments v1.1).
   */
  readonly anomalies?: readonly string[];
  readonly steps: {
    readonly sfi: Step;
    readonly civicOrientation: Step;
    readonly programme: Step;
    readonly internship: Step;
    readonly work: Step;
  };
}

/** The event types each step is read from: a reader without sight of them gets the step as null. */
export const STEP_EVIDENCE: Readonly<Record<keyof ResidentDetail['steps'], string>> = {
  sfi: 'SfiEnrolled',
  civicOrientation: 'CivicOrientationStarted',
  programme: 'EstablishmentProgrammeStarted',
  internship: 'InternshipStarted',
  work: 'EmploymentStarted',
};

const latest = <T extends { at: string }>(items: readonly T[]): T | undefined =>
  items.reduce<T | undefined>((best, x) => (!best || Date.parse(x.at) >= Date.parse(best.at) ? x : best), undefined);

export function stepsOf(f: PersonFacts, history: readonly { type: string; time: string }[]): ResidentDetail['steps'] {
  const passed = latest(f.sfi.passed);
  const discontinued = latest(f.sfi.discontinued);
  const enrolled = f.sfi.enrolled[f.sfi.enrolled.length - 1];
  const sfi: Step = enrolled
    ? { status: 'enrolled', since: enrolled.enrolledAt, course: enrolled.course }
    : passed && (!discontinued || Date.parse(passed.at) >= Date.parse(discontinued.at))
      ? { status: 'passed', since: passed.at, course: passed.course, grade: passed.grade }
      : discontinued
        ? { status: 'discontinued', since: discontinued.at, course: discontinued.course }
        : { status: 'not-started', since: null };
  const co = f.civicOrientation;
  const civicOrientation: Step = co.open
    ? { status: 'started', since: co.open.startedAt }
    : co.completed
      ? { status: 'completed', since: co.completed.at }
      : { status: 'not-started', since: null };
  const pr = f.programme;
  const programme: Step = pr.open
    ? { status: 'active', since: pr.open.startedAt, plannedEndDate: pr.open.plannedEndDate }
    : pr.ended
      ? { status: 'ended', since: pr.ended.at, reason: pr.ended.reason }
      : { status: 'not-started', since: null };
  const lastInternshipEnd = [...history].reverse().find((e) => e.type === 'InternshipEnded');
  const internship: Step = f.internships.length > 0
    ? { status: 'active', since: f.internships[f.internships.length - 1].startedAt }
    : lastInternshipEnd
      ? { status: 'ended', since: lastInternshipEnd.time }
      : { status: 'none', since: null };
  const work: Step = f.employments.length > 0
    ? { status: 'employed', since: f.employments[f.employments.length - 1].startedAt }
    : f.business
      ? { status: 'business', since: f.business.at }
      : f.lastEmploymentEndedAt
        ? { status: 'ended', since: f.lastEmploymentEndedAt }
        : { status: 'none', since: null };
  return { sfi, civicOrientation, programme, internship, work };
}

/** Everyone a municipality holds (residents and open assignments) with the status of each step. */
export const residentsSpec: PersonViewSpec = {
  name: 'municipality_residents',
  // 2: histories stored as arrays per event, without the actor. 3: no history column (people
  // are refolded from the log).
  // 4: placement columns by the scope rule of Amendments v1.1 (registration outranks settlement; claims list no one).
  version: 4,
  table: 'municipality_residents',
  columns: [],
  indexes: [],
  derive(f, history) {
    if (f.municipalityHistory.length === 0) return null;
    const detail: ResidentDetail = {
      settledAt: f.settled?.at ?? null,
      arrangement: f.settled?.arrangement ?? null,
      registeredIn: f.registered?.municipalityCode ?? null,
      anomalies: settlementClaims(history).length > 0 ? [SETTLEMENT_CLAIM] : [],
      steps: stepsOf(f, chronological(history)),
    };
    return { columns: {}, detail };
  },
};

export const residentsProjection = personViewProjection(residentsSpec);
