import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { caseOpened, ce, dossier, personnummer } from '../support/events';

/** Concurrent requests racing for the same person: every event stands alone, nothing is lost or doubled. */
describeEachStore('POST /v1/events under concurrent writers', (kind) => {
  let app: TestApp;
  let mv: string;
  let skv: string;
  beforeAll(async () => {
    app = await startTestApp(kind);
    mv = await app.token('migrationsverket', 'integration');
    skv = await app.token('skatteverket', 'integration');
  });
  afterAll(() => app?.close());

  const post = (token: string, body: unknown, type = 'application/cloudevents+json') =>
    app.http().post('/v1/events').set('Authorization', `Bearer ${token}`).set('Content-Type', type).send(JSON.stringify(body));

  it('records every one of 20 concurrent requests about one person, with contiguous versions', async () => {
    const d = dossier();
    const opened = await post(mv, caseOpened(d));
    // A move is Skatteverket's only once the person is population-registered (its scope).
    expect((await post(skv, ce({ type: 'PopulationRegistered', subject: `dossier:${d}`, source: 'urn:se:skatteverket:folkbokforing', data: { personalIdentityNumber: personnummer(), municipalityCode: '2281' }, time: '2020-12-01T00:00:00Z' }))).status).toBe(201);
    const moves = Array.from({ length: 20 }, (_, i) =>
      ce({ type: 'MovedToMunicipality', subject: `dossier:${d}`, source: 'urn:se:skatteverket:folkbokforing', data: { municipalityCode: i % 2 ? '2281' : '0180' }, time: `2021-01-${String(i + 1).padStart(2, '0')}T00:00:00Z` }));
    const responses = await Promise.all(moves.map((m, i) => (i % 2 ? post(skv, m) : post(skv, [m], 'application/cloudevents-batch+json'))));
    for (const [i, response] of responses.entries()) {
      const status = i % 2 ? response.body.status : response.body.results[0].status;
      expect(status).toBe('recorded');
    }
    const stream = await app.kedja.runtime.store.readStream(opened.body.personId);
    expect(stream).toHaveLength(22);
    expect(stream.map((e) => e.streamVersion)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect(new Set(stream.map((e) => e.eventId)).size).toBe(22);
  });

  it('creates a person once when 10 requests open the same dossier at the same time', async () => {
    const d = dossier();
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(mv, caseOpened(d))));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    for (const r of responses.filter((x) => x.status === 409)) expect(r.body.code).toBe('subject-exists');
  });
});
