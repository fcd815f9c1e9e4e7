import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { caseOpened, ce, dossier, personnummer } from '../support/events';

/** The contract's "posted by" column, transcribed by hand (not read from libs/chain). */
const POSTED_BY: Record<string, string[]> = {
  MigrationCaseOpened: ['migrationsverket'], ReceptionHousingAssigned: ['migrationsverket'], ResidencePermitGranted: ['migrationsverket'],
  ResidencePermitRefused: ['migrationsverket'], MunicipalityAssigned: ['migrationsverket'], MigrationCaseClosed: ['migrationsverket'],
  PopulationRegistered: ['skatteverket'], MovedToMunicipality: ['skatteverket'],
  SettledInMunicipality: ['municipality'], SfiEnrolled: ['municipality'], SfiCoursePassed: ['municipality'], SfiDiscontinued: ['municipality'],
  CivicOrientationStarted: ['municipality'], CivicOrientationCompleted: ['municipality'],
  HealthExaminationOffered: ['region'], HealthExaminationCompleted: ['region'],
  EstablishmentProgrammeStarted: ['arbetsformedlingen'], EstablishmentProgrammeEnded: ['arbetsformedlingen'],
  EstablishmentAllowanceGranted: ['forsakringskassan'], CompetenceMapped: ['arbetsformedlingen'],
  InternshipStarted: ['arbetsformedlingen', 'municipality'], InternshipEnded: ['arbetsformedlingen', 'municipality'],
  ValidationStarted: ['arbetsformedlingen', 'municipality'], ValidationCompleted: ['arbetsformedlingen', 'municipality'],
  EducationStarted: ['arbetsformedlingen', 'municipality'], EducationEnded: ['arbetsformedlingen', 'municipality'],
  EmploymentStarted: ['arbetsformedlingen'], EmploymentEnded: ['arbetsformedlingen'], BusinessStarted: ['arbetsformedlingen'],
};
const ACTORS: Record<string, string> = {
  migrationsverket: 'migrationsverket', skatteverket: 'skatteverket', municipality: 'municipality:2281',
  region: 'region:22', arbetsformedlingen: 'arbetsformedlingen', forsakringskassan: 'forsakringskassan',
};

describeEachStore('posting permissions', (kind) => {
  let app: TestApp;
  const tokens: Record<string, string> = {};
  let pnr: string;
  let d: string;

  const post = (actorKind: string, body: unknown, token = tokens[actorKind]) =>
    app.http().post('/v1/events').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(JSON.stringify(body));

  beforeAll(async () => {
    app = await startTestApp(kind);
    for (const [k, actor] of Object.entries(ACTORS)) tokens[k] = await app.token(actor, 'integration');
    for (const actor of ['county:22', 'analyst', 'platform']) tokens[actor] = await app.token(actor, 'integration');
    tokens.analystRole = await app.token('analyst', 'analyst');
    d = dossier();
    pnr = personnummer(1990);
    expect((await post('migrationsverket', caseOpened(d))).status).toBe(201);
    expect((await post('skatteverket', ce({ type: 'PopulationRegistered', subject: `dossier:${d}`, data: { personalIdentityNumber: pnr, municipalityCode: '2281' }, time: '2021-01-01T00:00:00Z' }))).status).toBe(201);
    // The permit brings the person into Arbetsförmedlingen's scope.
    expect((await post('migrationsverket', ce({ type: 'ResidencePermitGranted', subject: `dossier:${d}`, data: { permitType: 'permanent', ground: 'refugee' }, time: '2021-01-02T00:00:00Z' }))).status).toBe(201);
  }, 60_000);
  afterAll(() => app?.close());

  const { EXAMPLES } = jest.requireActual('@kedja/chain') as { EXAMPLES: Record<string, Record<string, unknown>> };

  for (const [type, allowed] of Object.entries(POSTED_BY)) {
    for (const actorKind of Object.keys(ACTORS).filter((k) => !allowed.includes(k))) {
      it(`${actorKind} may not post ${type}: 403 not-permitted, nothing stored`, async () => {
        const before = await app.kedja.runtime.store.countAfter(null);
        const subject = type === 'MigrationCaseOpened' ? `dossier:${dossier()}` : `pnr:${pnr}`;
        const data = type === 'SettledInMunicipality' || type === 'PopulationRegistered' || type === 'MovedToMunicipality' || type === 'MunicipalityAssigned'
          ? { ...EXAMPLES[type], municipalityCode: '2281', ...(type === 'PopulationRegistered' ? { personalIdentityNumber: pnr } : {}) }
          : EXAMPLES[type];
        const response = await post(actorKind, ce({ type, subject, data, time: '2025-03-03T09:00:00+01:00' }));
        expect(response.status).toBe(403);
        expect(response.body.code).toBe('not-permitted');
        expect(await app.kedja.runtime.store.countAfter(null)).toBe(before);
      });
    }
  }

  for (const actor of ['county:22', 'analyst', 'platform']) {
    it(`an integration token of ${actor} may not post at all`, async () => {
      const response = await post(actor, caseOpened(dossier()));
      expect(response.status).toBe(403);
    });
  }

  it('an analyst token may not post', async () => {
    expect((await post('analystRole', caseOpened(dossier()))).status).toBe(403);
  });

  it('only the source that posted an event may retract it; the retracted event is then gone from the rules', async () => {
    const started = ce({ type: 'EmploymentStarted', subject: `pnr:${pnr}`, source: 'urn:se:af:jobs', data: { occupation: '2512', form: 'regular' }, time: '2022-01-01T00:00:00Z' });
    expect((await post('arbetsformedlingen', started)).status).toBe(201);
    const otherSource = await post('arbetsformedlingen', ce({ type: 'EventRetracted', subject: `pnr:${pnr}`, source: 'urn:se:af:other', data: { eventId: started.id, reason: 'wrong person' } }));
    // A source with nothing about the person: the person is not in that source's scope at all.
    expect(otherSource.status).toBe(422);
    expect(otherSource.body.code).toBe('unknown-subject');
    const otherActor = await post('municipality', ce({ type: 'EventRetracted', subject: `pnr:${pnr}`, source: 'urn:se:af:jobs', data: { eventId: started.id, reason: 'wrong person' } }));
    expect(otherActor.status).toBe(403);
    const retracted = await post('arbetsformedlingen', ce({ type: 'EventRetracted', subject: `pnr:${pnr}`, source: 'urn:se:af:jobs', data: { eventId: started.id, reason: 'reported for the wrong person' } }));
    expect(retracted.status).toBe(201);
    const ended = await post('arbetsformedlingen', ce({ type: 'EmploymentEnded', subject: `pnr:${pnr}`, source: 'urn:se:af:jobs', time: '2022-06-01T00:00:00Z' }));
    expect(ended.status).toBe(422);
    expect(ended.body.code).toBe('rule-violation');
  });
});
