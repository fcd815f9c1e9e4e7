import { countyOfMunicipality } from '@kedja/chain';
import * as cal from './calibration';
import type { Route } from './calibration';
import { isoDate, isoTime, type CloudEventJson } from './cloud-event';
import {
  assignedMunicipality,
  citizenship as pickCitizenship,
  ENTRY_OCCUPATIONS,
  HEALTHCARE_OCCUPATIONS,
  languageOf,
  receptionMunicipality,
  selfArrangedMunicipality,
  SKILLED_OCCUPATIONS,
} from './codes';
import { dossierNumber, organisationNumber, type IdentityNumbers } from './identifiers';
import { Random } from './random';

const DAY = 86_400_000;
const YEAR = 365.25 * DAY;
const MINUTE = 60_000;

type Agency = 'migrationsverket' | 'skatteverket' | 'municipality' | 'arbetsformedlingen' | 'forsakringskassan' | 'region';

/** Reporting delay in days, median and spread, per agency (assumed: case systems report within
 * hours to days, municipalities and regions batch their reports and are sometimes months late). */
const REPORTING: Readonly<Record<Agency, { median: number; sigma: number; lateShare: number }>> = {
  migrationsverket: { median: 0.3, sigma: 1.0, lateShare: 0.002 },
  skatteverket: { median: 2, sigma: 0.8, lateShare: 0.005 },
  municipality: { median: 8, sigma: 1.0, lateShare: 0.03 },
  arbetsformedlingen: { median: 3, sigma: 1.0, lateShare: 0.02 },
  forsakringskassan: { median: 2, sigma: 0.7, lateShare: 0.01 },
  region: { median: 12, sigma: 1.0, lateShare: 0.04 },
};

/** A fact before its recording time is known; recordedtime is settled once the whole story exists. */
interface Draft {
  readonly seq: number;
  readonly type: string;
  time: number;
  readonly actor: string;
  readonly source: string;
  readonly subject: string;
  readonly data: Record<string, unknown>;
  readonly deps: Draft[];
  readonly delay: number;
  recorded: number;
  /** A retraction happens a little after the retracted event was recorded. */
  readonly afterRecordedOf?: { readonly draft: Draft; readonly offset: number };
}

/** Where the person lives from `from` on; its municipality and region post only while it lasts. */
interface Residence {
  readonly from: number;
  readonly municipalityCode: string;
  readonly start: Draft;
  readonly localEvents: Draft[];
}

interface Registration {
  readonly time: number;
  readonly pnr: string;
  readonly draft: Draft;
}

/** What a person's story looked like, for calibration: not part of the event output. */
export interface PersonFacts {
  readonly index: number;
  readonly route: Route;
  readonly arrival: number;
  readonly gender: 'female' | 'male';
  readonly birthYear: number;
  readonly unaccompaniedMinor: boolean;
  permit?: number;
  refused?: boolean;
  housing?: 'ABO' | 'EBO';
  settled?: number;
  arrangement?: 'assigned' | 'self-arranged';
  sfiPath?: 1 | 2 | 3;
  sfiEnrolled?: number;
  sfiFirstPass?: number;
  sfiDropped?: number;
  employment: Array<{ from: number; to?: number }>;
  programmeStart?: number;
}

export interface PersonStory {
  readonly facts: PersonFacts;
  /** Sorted by (recordedtime, seq); all recorded at or before `now`. */
  readonly events: Array<{ readonly recorded: number; readonly seq: number; readonly event: CloudEventJson }>;
}

export interface StoryContext {
  readonly seed: number;
  readonly now: number;
  readonly ids: IdentityNumbers;
}

const MV = 'migrationsverket';
const SKV = 'skatteverket';
const AF = 'arbetsformedlingen';
const FK = 'forsakringskassan';
const MV_SOURCE = 'urn:se:migrationsverket:case';
const SKV_SOURCE = 'urn:se:skatteverket:folkbokforing';
const AF_SOURCE = 'urn:se:arbetsformedlingen:etablering';
const FK_SOURCE = 'urn:se:forsakringskassan:etableringsersattning';

const yearOf = (ms: number) => new Date(ms).getUTCFullYear();

class StoryBuilder {
  readonly drafts: Draft[] = [];
  readonly residences: Residence[] = [];
  readonly registrations: Registration[] = [];
  readonly dossierSubject: string;
  private readonly lastOfKind = new Map<string, Draft>();
  /**
   * The fact that brings the person into a national agency's scope (CONTRACT.md Amendments v1.1:
   * an agency posts only about people in its scope): Arbetsförmedlingen acts on a residence
   * permit, Försäkringskassan on the programme start; neither reports before learning of it.
   */
  private readonly mandates = new Map<Agency, Draft>();
  opened?: Draft;

  constructor(
    readonly index: number,
    readonly random: Random,
    dossier: string,
  ) {
    this.dossierSubject = `dossier:${dossier}`;
  }

  private delay(agency: Agency): number {
    const r = REPORTING[agency];
    let days = this.random.logNormal(r.median, r.sigma);
    if (this.random.chance(r.lateShare)) days += this.random.between(30, 180);
    return Math.round(days * DAY / 1000) * 1000;
  }

  private push(
    type: string,
    time: number,
    agency: Agency,
    actor: string,
    source: string,
    subject: string,
    data: Record<string, unknown>,
    deps: Draft[],
    afterRecordedOf?: Draft['afterRecordedOf'],
  ): Draft {
    const all = this.opened ? [this.opened, ...deps] : deps;
    const draft: Draft = {
      seq: this.drafts.length,
      type,
      time: Math.round(time / MINUTE) * MINUTE,
      actor,
      source,
      subject,
      data,
      deps: all,
      delay: this.delay(agency),
      recorded: 0,
      afterRecordedOf,
    };
    this.drafts.push(draft);
    if (type === 'ResidencePermitGranted' && !this.mandates.has('arbetsformedlingen')) this.mandates.set('arbetsformedlingen', draft);
    if (type === 'EstablishmentProgrammeStarted' && !this.mandates.has('forsakringskassan')) this.mandates.set('forsakringskassan', draft);
    return draft;
  }

  migration(type: string, time: number, data: Record<string, unknown> = {}, deps: Draft[] = []): Draft {
    return this.push(type, time, 'migrationsverket', MV, MV_SOURCE, this.dossierSubject, data, deps);
  }

  register(time: number, pnr: string, municipalityCode: string): Draft {
    const draft = this.push('PopulationRegistered', time, 'skatteverket', SKV, SKV_SOURCE, this.dossierSubject, {
      personalIdentityNumber: pnr,
      municipalityCode,
    }, []);
    this.registrations.push({ time: draft.time, pnr, draft });
    this.registrations.sort((a, b) => a.time - b.time);
    return draft;
  }

  /** The identifier other agencies know the person by at `time`, and the event that linked it. */
  private identity(time: number): Registration {
    let current = this.registrations[0];
    for (const r of this.registrations) if (r.time <= time) current = r;
    if (!current) throw new Error('an agency other than Migrationsverket reported on an unregistered person');
    return current;
  }

  /**
   * `kind` names a spell (employment, internship, ...): each start waits for the previous end and
   * each end for its start to be recorded, so replaying in recording order never ends what is not
   * open nor starts what is.
   */
  national(agency: 'skatteverket' | 'arbetsformedlingen' | 'forsakringskassan', type: string, time: number, data: Record<string, unknown>, kind?: string): Draft {
    const id = this.identity(time);
    const deps = [id.draft];
    const previous = kind ? this.lastOfKind.get(kind) : undefined;
    if (previous) deps.push(previous);
    const mandate = this.mandates.get(agency);
    if (mandate) deps.push(mandate);
    const [actor, source] = agency === 'arbetsformedlingen' ? [AF, AF_SOURCE] : agency === 'forsakringskassan' ? [FK, FK_SOURCE] : [SKV, SKV_SOURCE];
    const draft = this.push(type, time, agency, actor, source, `pnr:${id.pnr}`, data, deps);
    if (kind) this.lastOfKind.set(kind, draft);
    return draft;
  }

  residenceAt(time: number): Residence {
    let current = this.residences[0];
    for (const r of this.residences) if (r.from <= time) current = r;
    return current;
  }

  /** An event of the municipality or region where the person lives at `time`. */
  local(scope: 'municipality' | 'region', service: string, type: string, time: number, data: Record<string, unknown>, kind?: string): Draft {
    const residence = this.residenceAt(time);
    const id = this.identity(time);
    const deps = [id.draft, residence.start];
    const previous = kind ? this.lastOfKind.get(kind) : undefined;
    if (previous) deps.push(previous);
    const code = residence.municipalityCode;
    const county = countyOfMunicipality(code)!;
    const [actor, source] = scope === 'municipality'
      ? [`municipality:${code}`, `urn:se:kommun:${code}:${service}`]
      : [`region:${county}`, `urn:se:region:${county}:${service}`];
    const draft = this.push(type, time, scope, actor, source, `pnr:${id.pnr}`, data, deps);
    residence.localEvents.push(draft);
    if (kind) this.lastOfKind.set(kind, draft);
    return draft;
  }

  settle(time: number, municipalityCode: string, arrangement: 'assigned' | 'self-arranged', assignment?: Draft): Draft {
    const id = this.identity(time);
    const deps = [id.draft];
    if (assignment) deps.push(assignment);
    const draft = this.push('SettledInMunicipality', time, 'municipality', `municipality:${municipalityCode}`,
      `urn:se:kommun:${municipalityCode}:mottagande`, `pnr:${id.pnr}`, { municipalityCode, arrangement }, deps);
    this.residences.push({ from: draft.time, municipalityCode, start: draft, localEvents: [draft] });
    return draft;
  }

  /** The old municipality's and region's reports must be in before the move hands the person on. */
  move(time: number, municipalityCode: string): Draft {
    const previous = this.residenceAt(time);
    const id = this.identity(time);
    const draft = this.push('MovedToMunicipality', time, 'skatteverket', SKV, SKV_SOURCE, `pnr:${id.pnr}`, { municipalityCode },
      [id.draft, ...previous.localEvents]);
    this.residences.push({ from: draft.time, municipalityCode, start: draft, localEvents: [] });
    return draft;
  }

  /** Retract `original` (posted with wrong data) and post the corrected fact under a new id. */
  correct(original: Draft, corrected: Record<string, unknown>, reason: string): void {
    const agency: Agency = original.actor.startsWith('municipality:') ? 'municipality'
      : original.actor.startsWith('region:') ? 'region' : (original.actor as Agency);
    const retraction = this.push('EventRetracted', original.time, agency, original.actor, original.source, original.subject,
      { eventId: '', reason }, [original], { draft: original, offset: Math.round(this.random.between(1 / 24, 5) * DAY / MINUTE) * MINUTE });
    const fixed = this.push(original.type, original.time, agency, original.actor, original.source, original.subject, corrected, [retraction]);
    // The correction arrives soon after the retraction, whatever the agency's usual delay.
    (fixed as { delay: number }).delay = Math.round(this.random.between(0.01, 2) * DAY / 1000) * 1000;
  }

  finish(seedTag: string, now: number): PersonStory['events'] {
    const ids = new Map<Draft, string>();
    for (const d of this.drafts) ids.set(d, `${seedTag}-${this.index.toString(36)}-${d.seq}`);
    const out: PersonStory['events'] = [];
    for (const d of this.drafts) {
      if (d.afterRecordedOf) {
        d.time = d.afterRecordedOf.draft.recorded + d.afterRecordedOf.offset;
        d.data.eventId = ids.get(d.afterRecordedOf.draft);
      }
      let recorded = d.time + d.delay;
      for (const dep of d.deps) if (dep.recorded > recorded) recorded = dep.recorded;
      d.recorded = recorded;
      // Past `now` the fact is not yet reported, nor is anything that depends on it (recorded later).
      if (recorded > now) continue;
      out.push({
        recorded,
        seq: d.seq,
        event: {
          specversion: '1.0',
          id: ids.get(d)!,
          source: d.source,
          type: d.type,
          time: isoTime(d.time),
          subject: d.subject,
          datacontenttype: 'application/json',
          actor: d.actor,
          recordedtime: isoTime(recorded),
          data: d.data,
        },
      });
    }
    out.sort((a, b) => a.recorded - b.recorded || a.seq - b.seq);
    return out;
  }
}

export function generatePerson(ctx: StoryContext, index: number, arrival: number, route: Route): PersonStory {
  const random = new Random(ctx.seed, index);
  const b = new StoryBuilder(index, random, dossierNumber(index, ctx.seed));
  const year = yearOf(arrival);
  const now = ctx.now;

  const minorShare = route === 'asylum' ? (cal.UNACCOMPANIED_MINORS[year] ?? 0) / cal.ASYLUM_SEEKERS[year] : 0;
  const unaccompaniedMinor = random.chance(minorShare);
  // Assumed: about nine in ten unaccompanied minors were boys; the others' share of men is set so
  // that the year as a whole matches (2015: about 70% men, DOMAIN.md).
  const minorsMale = 0.88;
  const male = unaccompaniedMinor ? random.chance(minorsMale)
    : random.chance(route === 'asylum' ? (cal.shareMenAsylum(year) - minorShare * minorsMale) / (1 - minorShare) : cal.SHARE_MEN[route]);
  const gender = male ? 'male' : 'female';
  const age = unaccompaniedMinor ? random.weighted([[13, 1], [14, 2], [15, 4], [16, 6], [17, 6]] as const)
    : adultOrChildAge(random, route);
  const birthYear = year - age;
  const citizenship = pickCitizenship(route, year, random);
  const facts: PersonFacts = { index, route, arrival, gender, birthYear, unaccompaniedMinor, employment: [] };
  const done = (): PersonStory => ({ facts, events: b.finish(`s${ctx.seed}`, now) });

  b.opened = b.migration('MigrationCaseOpened', arrival, {
    route,
    birthYear,
    gender,
    citizenship,
    ...(unaccompaniedMinor ? { unaccompaniedMinor: true } : {}),
  });

  const days = (n: number) => n * DAY;
  let permit: Draft;
  let settledAt: number;
  let settleCode: string;
  let arrangement: 'assigned' | 'self-arranged';
  let assignment: Draft | undefined;
  let coordinationAt: { time: number; code: string } | undefined;

  if (route === 'asylum') {
    let housingCode: string | undefined;
    let housing: 'ABO' | 'EBO' | undefined;
    if (unaccompaniedMinor) {
      // Unaccompanied minors are assigned a municipality at once, which houses them during the process.
      assignment = b.migration('MunicipalityAssigned', arrival + days(random.between(1, 10)), { municipalityCode: assignedMunicipality(random) });
      housingCode = assignment.data.municipalityCode as string;
    } else {
      housing = random.chance(cal.SHARE_EBO) ? 'EBO' : 'ABO';
      housingCode = housing === 'EBO' ? selfArrangedMunicipality(random) : receptionMunicipality(random);
      const assigned = b.migration('ReceptionHousingAssigned', arrival + days(random.between(0, 5)), { housingType: housing, municipalityCode: housingCode });
      if (random.chance(0.03)) {
        b.correct(assigned, { housingType: housing, municipalityCode: housingCode }, 'housing type entered wrongly; corrected fact follows');
        assigned.data.housingType = housing === 'ABO' ? 'EBO' : 'ABO';
      }
      facts.housing = housing;
    }
    // Assumed: about 3% withdraw their application before a decision.
    const decisionAt = arrival + days(random.logNormal(cal.processingDays(year), 0.45));
    if (random.chance(0.03)) {
      b.migration('MigrationCaseClosed', arrival + days(random.between(20, 0.8 * (decisionAt - arrival) / DAY)), { reason: 'withdrawn' });
      return done();
    }
    if (random.chance(cal.refusalShare(year))) {
      facts.refused = true;
      const refusal = b.migration('ResidencePermitRefused', decisionAt);
      b.migration('MigrationCaseClosed', decisionAt + days(random.logNormal(150, 0.6)), { reason: 'left-sweden' }, [refusal]);
      return done();
    }
    permit = b.migration('ResidencePermitGranted', decisionAt, permitData(random, decisionAt));
    facts.permit = permit.time;
    const permitYear = yearOf(permit.time);
    if (unaccompaniedMinor) {
      settleCode = housingCode;
      arrangement = 'assigned';
      settledAt = permit.time + days(random.between(1, 30));
    } else {
      const wait = days(random.logNormal(cal.waitAfterPermitDays(permitYear), cal.WAIT_SIGMA));
      const selfArranged = housing === 'EBO' ? random.chance(cal.SHARE_EBO_SELF_ARRANGED) : random.chance(cal.shareAboSelfArranged(permitYear));
      arrangement = selfArranged ? 'self-arranged' : 'assigned';
      if (housing === 'EBO' && selfArranged) {
        settleCode = housingCode;
        settledAt = permit.time + days(random.between(3, 40));
      } else {
        settledAt = permit.time + wait;
        settleCode = selfArranged ? selfArrangedMunicipality(random) : assignedMunicipality(random);
        if (!selfArranged) {
          // Bosättningslagen: the municipality receives within 2 months of the assignment.
          const lead = days(random.between(20, 55));
          assignment = b.migration('MunicipalityAssigned', Math.max(permit.time + days(2), settledAt - lead), { municipalityCode: settleCode }, [permit]);
        }
      }
      // Assumed: one in seven gets a samordningsnummer while waiting, e.g. to start work.
      if (settledAt - permit.time > days(10) && random.chance(0.15)) {
        coordinationAt = { time: permit.time + days(random.between(3, Math.min(30, (settledAt - permit.time) / DAY - 2))), code: housingCode };
      }
    }
  } else if (route === 'resettlement') {
    // Quota refugees are selected abroad and arrive with a permanent permit and an assigned municipality.
    permit = b.migration('ResidencePermitGranted', arrival + MINUTE, { permitType: 'permanent', ground: 'refugee' });
    settleCode = assignedMunicipality(random);
    assignment = b.migration('MunicipalityAssigned', arrival + 2 * MINUTE, { municipalityCode: settleCode }, [permit]);
    arrangement = 'assigned';
    settledAt = arrival + days(random.between(0.1, 2));
  } else if (route === 'family-ties') {
    const temporary = arrival >= cal.TEMPORARY_PERMITS_FROM;
    permit = b.migration('ResidencePermitGranted', arrival + MINUTE, {
      permitType: temporary ? 'temporary' : 'permanent',
      ground: 'family-ties',
      ...(temporary ? { validUntil: isoDate(arrival + 2 * YEAR) } : {}),
    });
    settleCode = selfArrangedMunicipality(random);
    arrangement = 'self-arranged';
    settledAt = arrival + days(random.between(1, 20));
  } else {
    return temporaryProtection(b, random, facts, arrival, ctx, done);
  }
  facts.permit = permit.time;
  if (settledAt > now) return done();

  if (coordinationAt) {
    b.register(coordinationAt.time, ctx.ids.issue(birthYear, male, true), coordinationAt.code);
  }
  const registeredAt = settledAt + days(random.between(0, 14));
  b.register(registeredAt, ctx.ids.issue(birthYear, male, false), settleCode);
  const settlement = b.settle(settledAt, settleCode, arrangement, assignment);
  facts.settled = settlement.time;
  facts.arrangement = arrangement;
  const ageAt = (t: number) => yearOf(t) - birthYear;
  let lastLocal = settlement.time;
  const localAt = (t: number) => { if (t > lastLocal) lastLocal = t; return t; };

  if (random.chance(0.65)) {
    const offered = b.local('region', 'halsoundersokning', 'HealthExaminationOffered', localAt(settledAt + days(random.between(5, 90))), {});
    if (random.chance(0.55)) b.local('region', 'halsoundersokning', 'HealthExaminationCompleted', localAt(offered.time + days(random.between(7, 60))), {});
  }

  const schoolingBand = random.weighted(cal.SFI_PATH_SHARES);
  const yearsOfSchooling = schoolingBand === 1 ? random.int(0, 6) : schoolingBand === 2 ? random.int(7, 11) : random.int(12, 18);
  const highestEducation = yearsOfSchooling === 0 ? 'none' : yearsOfSchooling <= 9 ? 'primary' : yearsOfSchooling <= 12 ? 'upper-secondary' : 'post-secondary';
  const skilled = highestEducation === 'post-secondary';
  const ownOccupation = skilled ? random.pick(SKILLED_OCCUPATIONS) : random.pick(ENTRY_OCCUPATIONS);

  const settledAge = ageAt(settledAt);
  if (settledAge >= cal.SFI_MIN_AGE && settledAge <= 64 && random.chance(0.85)) {
    lastLocal = Math.max(lastLocal, sfi(b, random, facts, schoolingBand, settledAt));
  }
  if (settledAge >= 18 && settledAge <= 64 && settledAt >= cal.ESTABLISHMENT_FROM && random.chance(0.8)) {
    const start = settledAt + days(random.between(20, 200));
    const plannedHours = cal.civicOrientationHours(yearOf(start));
    b.local('municipality', 'so', 'CivicOrientationStarted', localAt(start), { language: languageOf(citizenship), plannedHours }, 'civic');
    if (random.chance(0.85)) {
      b.local('municipality', 'so', 'CivicOrientationCompleted', localAt(start + days(random.between(60, 330))), { hours: plannedHours - random.pick([0, 0, 0, 2, 4, 6]) }, 'civic');
    }
  }

  const working = settledAge >= 18 && settledAge <= 64;
  const jobs = working ? employmentSpells(random, male, schoolingBand, settledAge, settledAt, birthYear, now) : [];
  facts.employment = jobs;

  const eligible = settledAge >= cal.ESTABLISHMENT_MIN_AGE && settledAge <= cal.ESTABLISHMENT_MAX_AGE && settledAt >= cal.ESTABLISHMENT_FROM;
  let programmeEnd: { at: number; reason: string } | undefined;
  let programmeStart: number | undefined;
  if (eligible && random.chance(0.9)) {
    programmeStart = Math.max(settledAt, registeredAt) + days(random.between(14, 120));
    facts.programmeStart = programmeStart;
    const plannedEnd = programmeStart + days(729);
    b.national('arbetsformedlingen', 'EstablishmentProgrammeStarted', programmeStart, { plannedEndDate: isoDate(plannedEnd) }, 'programme');
    const extent = random.weighted([[100, 80], [75, 8], [50, 8], [25, 4]] as const);
    const allowance = b.national('forsakringskassan', 'EstablishmentAllowanceGranted', programmeStart + days(random.between(7, 40)), { extentPercent: extent });
    if (random.chance(0.03)) {
      b.correct(allowance, { extentPercent: extent }, 'extent entered wrongly; corrected decision follows');
      allowance.data.extentPercent = extent === 100 ? 50 : 100;
    }
    const mapping = {
      yearsOfSchooling,
      highestEducation,
      ...(skilled || random.chance(0.6) ? { occupations: [ownOccupation] } : {}),
      ...(skilled ? { healthcareBackground: HEALTHCARE_OCCUPATIONS.has(ownOccupation) } : {}),
    };
    const mapped = b.national('arbetsformedlingen', 'CompetenceMapped', programmeStart + days(random.between(10, 70)), mapping);
    if (random.chance(0.03)) {
      b.correct(mapped, { ...mapping }, 'years of schooling entered wrongly; corrected mapping follows');
      mapped.data.yearsOfSchooling = yearsOfSchooling >= 20 ? yearsOfSchooling - 3 : yearsOfSchooling + 3;
    }

    // Only a job taken during the programme ends it; one held before does not stop it starting.
    const firstJob = jobs.find((j) => j.from >= programmeStart!)?.from;
    const candidates: Array<{ at: number; reason: string }> = [{ at: plannedEnd, reason: 'time-limit' }];
    if (firstJob !== undefined) candidates.push({ at: firstJob + days(random.between(0, 14)), reason: 'employment' });
    if (!male && random.chance(0.1)) candidates.push({ at: programmeStart + days(random.between(60, 600)), reason: 'parental-leave' });
    if (random.chance(0.03)) candidates.push({ at: programmeStart + days(random.between(60, 600)), reason: 'health' });

    if (random.chance(0.35)) {
      const from = programmeStart + days(random.between(60, 400));
      const byMunicipality = random.chance(0.2);
      const data = { occupation: random.pick(ENTRY_OCCUPATIONS), sector: random.weighted([['private', 50], ['public', 35], ['non-profit', 15]] as const), ...(random.chance(0.7) ? { employer: organisationNumber(random) } : {}) };
      const to = from + days(random.between(30, 180));
      if (byMunicipality) {
        b.local('municipality', 'arbetsmarknad', 'InternshipStarted', localAt(from), data, 'internship');
        b.local('municipality', 'arbetsmarknad', 'InternshipEnded', localAt(to), {}, 'internship');
      } else {
        b.national('arbetsformedlingen', 'InternshipStarted', from, data, 'internship');
        b.national('arbetsformedlingen', 'InternshipEnded', to, {}, 'internship');
      }
    }
    if (skilled && random.chance(0.3)) {
      const kind = HEALTHCARE_OCCUPATIONS.has(ownOccupation) ? 'licensure' : random.chance(0.6) ? 'foreign-education' : 'branch';
      // UHR's assessment takes 2–5 months, licensure typically 2–4 years (DOMAIN.md).
      const length = kind === 'licensure' ? random.between(730, 1460) : kind === 'foreign-education' ? random.between(60, 150) : random.between(30, 120);
      const from = programmeStart + days(random.between(30, 300));
      b.national('arbetsformedlingen', 'ValidationStarted', from, { kind, occupation: ownOccupation }, 'validation');
      b.national('arbetsformedlingen', 'ValidationCompleted', from + days(length), { outcome: random.weighted([['full', 50], ['partial', 30], ['none', 20]] as const) }, 'validation');
    }
    if (random.chance(0.15)) {
      const from = programmeStart + days(random.between(120, 500));
      const level = random.weighted([['vocational', 35], ['adult-upper-secondary', 30], ['adult-basic', 15], ['folk-high-school', 10], ['higher', skilled ? 20 : 2]] as const);
      const municipal = level === 'adult-basic' || level === 'adult-upper-secondary';
      const to = from + days(random.between(180, 700));
      const completed = random.chance(0.65);
      if (municipal) {
        b.local('municipality', 'vux', 'EducationStarted', localAt(from), { level }, 'education');
        b.local('municipality', 'vux', 'EducationEnded', localAt(to), { completed }, 'education');
      } else {
        b.national('arbetsformedlingen', 'EducationStarted', from, { level }, 'education');
        b.national('arbetsformedlingen', 'EducationEnded', to, { completed }, 'education');
      }
      if (random.chance(0.5)) candidates.push({ at: from + days(random.between(0, 7)), reason: 'studies' });
    }
    programmeEnd = candidates.reduce((a, c) => (c.at < a.at ? c : a));
    b.national('arbetsformedlingen', 'EstablishmentProgrammeEnded', programmeEnd.at, { reason: programmeEnd.reason }, 'programme');
  }

  for (const job of jobs) {
    const inProgramme = programmeStart !== undefined && programmeEnd !== undefined && job.from >= programmeStart && job.from <= programmeEnd.at;
    b.national('arbetsformedlingen', 'EmploymentStarted', job.from, {
      occupation: random.chance(0.3) ? ownOccupation : random.pick(ENTRY_OCCUPATIONS),
      form: employmentForm(random, job.from, inProgramme),
      ...(random.chance(0.8) ? { hoursPerWeek: random.chance(0.6) ? 40 : random.int(16, 39) } : {}),
      ...(random.chance(0.9) ? { employer: organisationNumber(random) } : {}),
    }, 'employment');
    if (job.to !== undefined) b.national('arbetsformedlingen', 'EmploymentEnded', job.to, {}, 'employment');
  }
  if (working && random.chance(0.03)) {
    b.national('arbetsformedlingen', 'BusinessStarted', settledAt + days(random.between(2 * 365, 8 * 365)), random.chance(0.6) ? { organisationNumber: organisationNumber(random) } : {});
  }

  // Assumed: four in ten with a permanent permit become citizens after 5–8 years, fewer otherwise.
  const permanent = permit.data.permitType === 'permanent';
  if (random.chance(permanent ? 0.4 : 0.2)) {
    b.migration('MigrationCaseClosed', permit.time + days(random.between(permanent ? 5 * 365 : 6 * 365, 9 * 365)), { reason: 'citizenship' });
  }

  // Moves come after the municipality's own services so that its reports stay within its tenure.
  if (random.chance(0.28)) {
    let at = lastLocal + days(random.between(30, 1000));
    let code = settleCode;
    for (let moves = 0; moves < 2; moves++) {
      let next = selfArrangedMunicipality(random);
      while (next === code) next = selfArrangedMunicipality(random);
      b.move(at, next);
      code = next;
      if (!random.chance(0.25)) break;
      at += days(random.between(200, 1500));
    }
  }
  return done();
}

function adultOrChildAge(random: Random, route: Route): number {
  // Assumed: about three in ten accompanied arrivals are children; adults are mostly young.
  const childShare = route === 'family-ties' ? 0.45 : route === 'temporary-protection' ? 0.35 : 0.3;
  if (random.chance(childShare)) return random.int(0, 17);
  return 18 + Math.floor(random.next() ** 1.8 * 47);
}

function permitData(random: Random, at: number): Record<string, unknown> {
  const ground = random.weighted([['refugee', 45], ['subsidiary-protection', 42], ['humanitarian', 5], ['other', 8]] as const);
  if (at < cal.TEMPORARY_PERMITS_FROM) return { permitType: 'permanent', ground };
  // Since July 2016 temporary permits: 3 years for refugees, 13 months for subsidiary protection (DOMAIN.md).
  const months = ground === 'refugee' ? 36 : 13;
  const until = new Date(at);
  until.setUTCMonth(until.getUTCMonth() + months);
  return { permitType: 'temporary', ground, validUntil: isoDate(until.getTime()) };
}

/** Returns the time of the last SFI event, after which the municipality's SFI is done with the person. */
function sfi(b: StoryBuilder, random: Random, facts: PersonFacts, path: 1 | 2 | 3, settledAt: number): number {
  // SFI to be offered within 3 months (DOMAIN.md); most start within that, some much later.
  const start = settledAt + DAY * (random.chance(0.7) ? random.between(10, 90) : random.between(90, 365));
  const courses = cal.SFI_COURSES[path];
  const vocational = random.chance(0.05);
  facts.sfiPath = path;
  facts.sfiEnrolled = start;
  const enrol = (course: string, at: number) =>
    b.local('municipality', 'sfi', 'SfiEnrolled', at, { studyPath: path, course, ...(vocational ? { vocational: true } : {}) }, 'sfi');
  const grade = () => random.weighted([['A', 8], ['B', 15], ['C', 30], ['D', 25], ['E', 22]] as const);
  const discontinueReason = () => random.weighted([['other', 50], ['work', 35], ['studies', 15]] as const);

  let at = start;
  enrol(courses[0], at);
  // 65% pass a course within 2–3 years, 23% drop out or pause, 12% still studying (DOMAIN.md).
  const outcome = random.next();
  let firstPassDelay: number;
  if (outcome < cal.SFI_OUTCOMES.passed) {
    firstPassDelay = random.between(60, 1000);
  } else if (outcome < cal.SFI_OUTCOMES.passed + cal.SFI_OUTCOMES.droppedOut) {
    at += DAY * random.between(30, 900);
    facts.sfiDropped = at;
    b.local('municipality', 'sfi', 'SfiDiscontinued', at, { course: courses[0], reason: discontinueReason() }, 'sfi');
    return at;
  } else if (random.chance(0.5)) {
    firstPassDelay = random.between(1100, 1600);
  } else {
    at += DAY * random.between(1100, 1800);
    b.local('municipality', 'sfi', 'SfiDiscontinued', at, { course: courses[0], reason: discontinueReason() }, 'sfi');
    return at;
  }
  at += DAY * firstPassDelay;
  facts.sfiFirstPass = at;
  for (let i = 0; i < courses.length; i++) {
    if (i > 0) {
      at += DAY * random.between(path === 3 ? 90 : 120, path === 1 ? 360 : 300);
    }
    b.local('municipality', 'sfi', 'SfiCoursePassed', at, { course: courses[i], grade: grade() }, 'sfi');
    if (i + 1 >= courses.length) break;
    at += DAY * random.between(1, 20);
    enrol(courses[i + 1], at);
    if (!random.chance(path === 3 ? 0.9 : 0.8)) {
      at += DAY * random.between(30, 250);
      b.local('municipality', 'sfi', 'SfiDiscontinued', at, { course: courses[i + 1], reason: discontinueReason() }, 'sfi');
      break;
    }
  }
  return at;
}

/**
 * Employment spells from settlement: the first job after a Weibull time whose scale is much longer
 * for women (DOMAIN.md: after 5 years 43% of men and 26% of women employed, ~60% after 10 years);
 * later jobs after gaps, since some jobs end.
 */
function employmentSpells(random: Random, male: boolean, schooling: 1 | 2 | 3, age: number, settledAt: number, birthYear: number, now: number): Array<{ from: number; to?: number }> {
  const p = male ? cal.FIRST_JOB.male : cal.FIRST_JOB.female;
  const ever = p.everShare * (age > 55 ? 0.4 : age > 45 ? 0.8 : 1);
  if (!random.chance(ever)) return [];
  const educationFactor = schooling === 1 ? 1.3 : schooling === 3 ? 0.85 : 1;
  const scale = p.scaleYears * educationFactor;
  const u = 1 - random.next();
  let at = settledAt + YEAR * scale * (-Math.log(u)) ** (1 / p.shape);
  const retirement = Date.UTC(birthYear + 65, 6, 1);
  const spells: Array<{ from: number; to?: number }> = [];
  while (at < now && at < retirement && spells.length < 6) {
    if (!random.chance(cal.JOB_END_SHARE)) {
      spells.push({ from: at });
      break;
    }
    const to = at + YEAR * random.between(0.3, 4);
    spells.push({ from: at, to });
    at = to + YEAR * random.exponential(0.8);
  }
  return spells;
}

function employmentForm(random: Random, at: number, inProgramme: boolean): string {
  const y = yearOf(at);
  const options: Array<readonly [string, number]> = [['regular', inProgramme ? 20 : 70], ['new-start-job', 15], ['apprenticeship', 2], ['other', 3]];
  // Subsidised forms by the years they existed (DOMAIN.md): instegsjobb 2007–2018, extratjänster
  // 2015–, introduktionsjobb 2018–, etableringsjobb 2024–.
  if (y <= 2018) options.push(['entry-job', inProgramme ? 15 : 3]);
  if (y >= 2015) options.push(['extra-job', inProgramme ? 15 : 4]);
  if (y >= 2018) options.push(['introduction-job', inProgramme ? 15 : 3]);
  if (y >= 2024) options.push(['establishment-job', inProgramme ? 10 : 2]);
  return random.weighted(options);
}

/**
 * Temporary protection (from March 2022): a permit within weeks, a samordningsnummer rather than
 * folkbokföring, municipal reception by assignment from July 2022 (lag 2022:689), and no right to
 * the establishment programme (DOMAIN.md).
 */
function temporaryProtection(b: StoryBuilder, random: Random, facts: PersonFacts, arrival: number, ctx: StoryContext, done: () => PersonStory): PersonStory {
  const DAYS = DAY;
  const housing = random.chance(0.6) ? 'ABO' : 'EBO';
  const housingCode = housing === 'ABO' ? receptionMunicipality(random) : selfArrangedMunicipality(random);
  facts.housing = housing;
  b.migration('ReceptionHousingAssigned', arrival + DAYS * random.between(0, 5), { housingType: housing, municipalityCode: housingCode });
  const permit = b.migration('ResidencePermitGranted', arrival + DAYS * random.between(2, 20), {
    permitType: 'temporary',
    ground: 'temporary-protection',
    // The directive's protection was extended year by year to 4 March 2026, then to 2027.
    validUntil: arrival < Date.UTC(2025, 0, 1) ? '2026-03-04' : '2027-03-04',
  });
  facts.permit = permit.time;
  const registeredAt = permit.time + DAYS * random.between(7, 60);
  b.register(registeredAt, ctx.ids.issue(facts.birthYear, facts.gender === 'male', true), housingCode);
  if (housing === 'ABO' && random.chance(0.5)) {
    const assignedAt = Math.max(permit.time, Date.UTC(2022, 6, 1)) + DAYS * random.between(20, 150);
    const code = assignedMunicipality(random);
    const assignment = b.migration('MunicipalityAssigned', assignedAt, { municipalityCode: code }, [permit]);
    const settledAt = assignedAt + DAYS * random.between(10, 55);
    b.settle(settledAt, code, 'assigned', assignment);
    facts.settled = settledAt;
    facts.arrangement = 'assigned';
  }
  const age = yearOf(arrival) - facts.birthYear;
  if (age >= 18 && age <= 64 && random.chance(facts.gender === 'male' ? 0.6 : 0.5)) {
    const from = registeredAt + YEAR * random.between(0.1, 2.5);
    if (from < ctx.now) {
      b.national('arbetsformedlingen', 'EmploymentStarted', from, {
        occupation: random.pick(ENTRY_OCCUPATIONS),
        form: random.chance(0.85) ? 'regular' : 'other',
        ...(random.chance(0.9) ? { employer: organisationNumber(random) } : {}),
      }, 'employment');
      facts.employment.push({ from });
    }
  }
  return done();
}
