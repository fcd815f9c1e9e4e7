import { PROJECTIONS } from '@kedja/projections';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { importPopulation } from '../analytics/population';

/**
 * Erasure takes identifiers, never facts: every time-to-event answer is the same before and after
 * erasing people, on each store, once the projections have followed the erasure events.
 */
describeEachStore('statistics after erasure', (kind) => {
  let app: TestApp;
  let personIds: Map<string, string>;
  let analyst: string;
  let admin: string;

  beforeAll(async () => {
    app = await startTestApp(kind, { KEDJA_PROJECTIONS_IN_PROCESS: 'true' });
    personIds = await importPopulation(app);
    await app.kedja.runtime.projections!.waitUntilCaughtUp();
    analyst = await app.token('analyst', 'analyst', 'statistician');
    admin = await app.token('platform', 'admin', 'dpo');
  }, 60_000);
  afterAll(() => app?.close());

  const QUESTIONS = [
    // A fixed asOf: one left out means "now", which moves between the two readings.
    { from: 'ResidencePermitGranted', to: 'EmploymentStarted', cohort: { year: 2016 }, groupBy: 'gender', asOf: '2024-06-30' },
    { from: 'ResidencePermitGranted', to: 'EmploymentStarted', cohort: { year: 2016 }, groupBy: 'gender', asOf: '2019-12-31' },
    { from: 'MigrationCaseOpened', to: 'ResidencePermitGranted', asOf: '2024-06-30' },
  ];
  const answers = async () => Promise.all(QUESTIONS.map(async (question) => {
    const response = await app.http().post('/v1/analytics/time-to-event').set('Authorization', `Bearer ${analyst}`).set('Content-Type', 'application/json').send(JSON.stringify(question));
    expect(response.status).toBe(200);
    return response.body;
  }));

  it('gives the same time-to-event answers before and after erasing every person', async () => {
    const before = await answers();
    expect(before[0].groups.length).toBeGreaterThan(0);
    const reasons = ['data-subject-request', 'culling-decision', 'wrong-person'];
    let i = 0;
    for (const personId of personIds.values()) {
      const response = await app.http().post(`/v1/persons/person:${personId}/erasure`).set('Authorization', `Bearer ${admin}`).send({ reason: reasons[i++ % 3] });
      expect(response.body.status).toBe('erased');
    }
    await app.kedja.runtime.projections!.waitUntilCaughtUp();
    expect(await answers()).toEqual(before);
    // And after rebuilding every read model from the log, erasures included.
    for (const projection of PROJECTIONS) await app.kedja.runtime.projections!.rebuild(projection.name);
    await app.kedja.runtime.projections!.waitUntilCaughtUp();
    expect(await answers()).toEqual(before);
  });
});
