import { randomUUID } from 'node:crypto';
import type { TestApp } from '../../support/test-app';
import { dossier, personnummer } from '../../support/events';

const SOURCES: Record<string, string> = {
  migrationsverket: 'urn:se:migrationsverket:case',
  skatteverket: 'urn:se:skatteverket:fb',
  arbetsformedlingen: 'urn:se:arbetsformedlingen:ep',
  forsakringskassan: 'urn:se:forsakringskassan:ee',
  'region:22': 'urn:se:region:22:health',
  'municipality:2281': 'urn:se:kommun:2281:system',
  'municipality:2262': 'urn:se:kommun:2262:system',
};

type Step = readonly [actor: string, type: string, date: string, data?: Record<string, unknown>];

export interface WebPerson {
  readonly dossier: string;
  readonly pnr: string | null;
  readonly personId: string;
}

export interface WebPopulation {
  /** Through the chain in Sundsvall, with a personnummer, health facts and a programme. */
  readonly anna: WebPerson;
  /** Assigned to Timrå (same county), never to Sundsvall. */
  readonly timra: WebPerson;
  /**
   * Thirty people (fifteen women, fifteen men) granted a permit in 2016, assigned to Sundsvall and
   * never settled; two in three find work: enough that disclosure control (k = 5) still releases curve steps.
   */
  readonly cohort: readonly WebPerson[];
}

const at = (date: string) => `${date}T10:00:00Z`;

/**
 * Imports people as the platform does for archives: on the agencies' behalf, each fact recorded
 * when it happened, so that an as-of date in the past shows what was known then.
 */
async function importPerson(app: TestApp, admin: string, steps: readonly Step[], pnr: string | null): Promise<WebPerson> {
  const d = dossier();
  const events = steps.map(([actor, type, date, data]) => ({
    specversion: '1.0',
    id: randomUUID(),
    source: SOURCES[actor],
    type,
    time: at(date),
    subject: `dossier:${d}`,
    actor,
    recordedtime: at(date),
    data: data ?? {},
  }));
  const response = await app.http().post('/v1/events').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/cloudevents-batch+json').send(JSON.stringify(events));
  const results = response.body.results as { status: string; personId?: string }[] | undefined;
  if (response.status !== 200 || !results || results.some((r) => r.status !== 'recorded')) throw new Error(`import answered ${response.status}: ${JSON.stringify(response.body)}`);
  return { dossier: d, pnr, personId: results[0].personId! };
}

/** `admin`: a platform admin's token, for an api that trusts only configured issuers. */
export async function importWebPopulation(app: TestApp, adminToken?: string): Promise<WebPopulation> {
  const admin = adminToken ?? (await app.token('platform', 'admin', 'importer'));
  const annaPnr = personnummer(1990, true);
  const anna = await importPerson(app, admin, [
    ['migrationsverket', 'MigrationCaseOpened', '2023-01-10', { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR' }],
    ['migrationsverket', 'ResidencePermitGranted', '2023-06-01', { permitType: 'temporary', ground: 'refugee' }],
    ['migrationsverket', 'MunicipalityAssigned', '2023-06-15', { municipalityCode: '2281' }],
    ['skatteverket', 'PopulationRegistered', '2023-07-01', { personalIdentityNumber: annaPnr, municipalityCode: '2281' }],
    ['municipality:2281', 'SettledInMunicipality', '2023-07-01', { municipalityCode: '2281', arrangement: 'assigned' }],
    ['region:22', 'HealthExaminationOffered', '2023-07-15'],
    ['municipality:2281', 'SfiEnrolled', '2023-08-01', { studyPath: 2, course: 'B' }],
    ['arbetsformedlingen', 'EstablishmentProgrammeStarted', '2023-09-01', { plannedEndDate: '2025-08-31' }],
    ['forsakringskassan', 'EstablishmentAllowanceGranted', '2023-09-05', { extentPercent: 100 }],
  ], annaPnr);
  const timra = await importPerson(app, admin, [
    ['migrationsverket', 'MigrationCaseOpened', '2023-02-01', { route: 'asylum', birthYear: 1988, gender: 'male', citizenship: 'ERI' }],
    ['migrationsverket', 'ResidencePermitGranted', '2023-05-01', { permitType: 'temporary', ground: 'refugee' }],
    ['migrationsverket', 'MunicipalityAssigned', '2023-05-10', { municipalityCode: '2262' }],
  ], null);
  const cohort: WebPerson[] = [];
  for (let i = 0; i < 30; i++) {
    const gender = i % 2 === 0 ? 'female' : 'male';
    const month = String(1 + (i % 12)).padStart(2, '0');
    const steps: Step[] = [
      ['migrationsverket', 'MigrationCaseOpened', '2015-06-01', { route: 'asylum', birthYear: 1985 + i, gender, citizenship: 'SYR' }],
      ['migrationsverket', 'ResidencePermitGranted', `2016-${month}-01`, { permitType: 'temporary', ground: 'refugee' }],
      ['migrationsverket', 'MunicipalityAssigned', `2016-${month}-15`, { municipalityCode: '2281' }],
    ];
    if (i < 20) steps.push(['arbetsformedlingen', 'EmploymentStarted', `${2016 + (i % 3)}-12-${String(1 + (i % 28)).padStart(2, '0')}`, { occupation: '5120', form: 'regular' }]);
    cohort.push(await importPerson(app, admin, steps, null));
  }
  await app.kedja.runtime.projections?.waitUntilCaughtUp(30_000);
  return { anna, timra, cohort };
}
