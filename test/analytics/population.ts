import { randomUUID } from 'node:crypto';
import type { TestApp } from '../support/test-app';
import { dossier, personnummer } from '../support/events';

const SOURCES: Record<string, string> = {
  migrationsverket: 'urn:se:migrationsverket:case',
  skatteverket: 'urn:se:skatteverket:fb',
  arbetsformedlingen: 'urn:se:arbetsformedlingen:ep',
  'region:22': 'urn:se:region:22:health',
};

interface Step {
  readonly actor: string;
  readonly type: string;
  readonly time: string;
  readonly data?: Record<string, unknown>;
  /** When the agency learned it; the event time when absent. */
  readonly recorded?: string;
  /** Names the event so that a later step can retract it. */
  readonly name?: string;
  /** Retracts the named step. */
  readonly retracts?: string;
}

export interface ScriptedPerson {
  readonly label: string;
  readonly gender: 'female' | 'male';
  readonly steps: readonly Step[];
}

const MV = 'migrationsverket';
const AF = 'arbetsformedlingen';
const day = (date: string) => `${date}T10:00:00Z`;
const opened = (gender: string): Step => ({ actor: MV, type: 'MigrationCaseOpened', time: day('2015-06-01'), data: { route: 'asylum', birthYear: 1990, gender, citizenship: 'SYR' } });
const permit = (date: string): Step => ({ actor: MV, type: 'ResidencePermitGranted', time: day(date), data: { permitType: 'temporary', ground: 'refugee' } });
const work = (date: string, extra: Partial<Step> = {}): Step => ({ actor: AF, type: 'EmploymentStarted', time: day(date), data: { occupation: '5120', form: 'regular' }, ...extra });
const closed = (date: string): Step => ({ actor: MV, type: 'MigrationCaseClosed', time: day(date), data: { reason: 'left-sweden' } });

/**
 * The analyst's question "for people granted a permit in 2016, how long until half worked, by
 * gender, and what did we know on 31 December 2019". Days per person (permit → first work):
 *
 * | who | 2016 permit | what happens | as of 2019-12-31 | today |
 * |---|---|---|---|---|
 * | F1 | 03-01 | works 2016-09-01 | event 184 | event 184 |
 * | F2 | 05-01 | works 2016-10-01, reported 2020-02-01 | censored 1339 (asOf) | event 153 |
 * | F3 | 06-01 | case closed 2017-06-01 | censored 365 (closure) | censored 365 |
 * | F4 | 02-01 | never works | censored 1429 (asOf) | censored (now) |
 * | F5 | 04-01 | works 2017-04-01 | event 365 | event 365 |
 * | F6 | 09-01 | works 2017-12-01 | event 456 | event 456 |
 * | M1 | 01-15 | works 2016-04-15 | event 91 | event 91 |
 * | M2 | 07-01 | works 2017-07-01 | event 365 | event 365 |
 * | M3 | 08-01 | works 2016-10-01, retracted 2016-11-01; works 2019-02-01, reported 2020-03-01 | censored 1247 | event 914 |
 * | M5 | 10-01 | case closed 2018-01-01 | censored 457 (closure) | censored 457 |
 * | M4 | (2015-12-01) | works 2016-02-01 | not in the cohort | not in the cohort |
 * | H  | (2017-05-01) | registered with a personnummer, health examination | not in the cohort | not in the cohort |
 */
export const POPULATION: readonly ScriptedPerson[] = [
  { label: 'F1', gender: 'female', steps: [opened('female'), permit('2016-03-01'), work('2016-09-01')] },
  { label: 'F2', gender: 'female', steps: [opened('female'), permit('2016-05-01'), work('2016-10-01', { recorded: '2020-02-01T08:00:00Z' })] },
  { label: 'F3', gender: 'female', steps: [opened('female'), permit('2016-06-01'), closed('2017-06-01')] },
  { label: 'F4', gender: 'female', steps: [opened('female'), permit('2016-02-01')] },
  { label: 'F5', gender: 'female', steps: [opened('female'), permit('2016-04-01'), work('2017-04-01', { recorded: '2017-04-10T08:00:00Z' })] },
  { label: 'F6', gender: 'female', steps: [opened('female'), permit('2016-09-01'), work('2017-12-01')] },
  { label: 'M1', gender: 'male', steps: [opened('male'), permit('2016-01-15'), work('2016-04-15')] },
  { label: 'M2', gender: 'male', steps: [opened('male'), permit('2016-07-01'), work('2017-07-01', { recorded: '2017-07-02T08:00:00Z' })] },
  {
    label: 'M3',
    gender: 'male',
    steps: [
      opened('male'),
      permit('2016-08-01'),
      work('2016-10-01', { name: 'wrong' }),
      { actor: AF, type: 'EventRetracted', time: day('2016-11-01'), data: { reason: 'reported for the wrong person' }, retracts: 'wrong' },
      work('2019-02-01', { recorded: '2020-03-01T08:00:00Z' }),
    ],
  },
  { label: 'M5', gender: 'male', steps: [opened('male'), permit('2016-10-01'), closed('2018-01-01')] },
  { label: 'M4', gender: 'male', steps: [opened('male'), permit('2015-12-01'), work('2016-02-01')] },
];

/** Imports the population as the platform does for archives: on the agencies' behalf, with recorded times. */
export async function importPopulation(app: TestApp, people: readonly ScriptedPerson[] = POPULATION): Promise<Map<string, string>> {
  const admin = await app.token('platform', 'admin', 'importer');
  const personIds = new Map<string, string>();
  for (const person of people) {
    const d = dossier();
    const ids = new Map<string, string>();
    const events = person.steps.map((step) => {
      const id = randomUUID();
      if (step.name) ids.set(step.name, id);
      const data = step.retracts ? { ...step.data, eventId: ids.get(step.retracts) } : (step.data ?? {});
      return {
        specversion: '1.0',
        id,
        source: SOURCES[step.actor],
        type: step.type,
        time: step.time,
        subject: `dossier:${d}`,
        actor: step.actor,
        recordedtime: step.recorded ?? step.time,
        data,
      };
    });
    const response = await app.http().post('/v1/events').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/cloudevents-batch+json').send(JSON.stringify(events));
    const results = response.body.results as Array<{ status: string; personId?: string; problem?: unknown }> | undefined;
    if (response.status !== 200 || !results || results.some((r) => r.status !== 'recorded')) {
      throw new Error(`import of ${person.label} answered ${response.status}: ${JSON.stringify(response.body)}`);
    }
    personIds.set(person.label, results[0].personId!);
  }
  return personIds;
}

/** A person whose only facts besides the case are health examinations and a registration with a personnummer. */
export async function importHealthOnly(app: TestApp): Promise<void> {
  const admin = await app.token('platform', 'admin', 'importer');
  const d = dossier();
  const base = { specversion: '1.0', subject: `dossier:${d}` };
  const events = [
    { ...base, id: randomUUID(), source: SOURCES.migrationsverket, actor: MV, type: 'MigrationCaseOpened', time: day('2015-06-01'), recordedtime: day('2015-06-01'), data: { route: 'asylum', birthYear: 1985, gender: 'female', citizenship: 'AFG' } },
    { ...base, id: randomUUID(), source: SOURCES.migrationsverket, actor: MV, type: 'ResidencePermitGranted', time: day('2017-05-01'), recordedtime: day('2017-05-01'), data: { permitType: 'temporary', ground: 'refugee' } },
    { ...base, id: randomUUID(), source: SOURCES.skatteverket, actor: 'skatteverket', type: 'PopulationRegistered', time: day('2017-06-01'), recordedtime: day('2017-06-01'), data: { personalIdentityNumber: personnummer(1985, true), municipalityCode: '2281' } },
    { ...base, id: randomUUID(), source: SOURCES['region:22'], actor: 'region:22', type: 'HealthExaminationOffered', time: day('2017-07-01'), recordedtime: day('2017-07-01'), data: {} },
  ];
  const response = await app.http().post('/v1/events').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/cloudevents-batch+json').send(JSON.stringify(events));
  if (response.status !== 200 || (response.body.results as Array<{ status: string }>).some((r) => r.status !== 'recorded')) {
    throw new Error(`health import answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
}
