import { randomUUID } from 'node:crypto';
import { CloudEvent, HTTP } from 'cloudevents';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { caseOpened, ce, dossier, personnummer } from '../support/events';

const MV = 'migrationsverket';
const SKV = 'skatteverket';
const SUNDSVALL = 'municipality:2281';

describeEachStore('POST /v1/events', (kind) => {
  let app: TestApp;
  const tokens: Record<string, string> = {};
  const integration = (actor: string) => tokens[actor];

  beforeAll(async () => {
    app = await startTestApp(kind);
    for (const actor of [MV, SKV, SUNDSVALL, 'municipality:0180', 'arbetsformedlingen', 'forsakringskassan', 'region:22', 'region:01']) {
      tokens[actor] = await app.token(actor, 'integration');
    }
    tokens.admin = await app.token('platform', 'admin');
    tokens.caseworker = await app.token(SUNDSVALL, 'caseworker');
  }, 60_000);
  afterAll(() => app?.close());

  const post = (actor: string, body: unknown, contentType = 'application/cloudevents+json') =>
    app.http().post('/v1/events').set('Authorization', `Bearer ${integration(actor)}`).set('Content-Type', contentType).send(JSON.stringify(body));
  const count = () => app.kedja.runtime.store.countAfter(null);

  /** A person with a case, registered and settled in Sundsvall; returns the subjects. */
  async function settledPerson(female = false) {
    const d = dossier();
    const pnr = personnummer(1990, female);
    expect((await post(MV, caseOpened(d))).status).toBe(201);
    expect((await post(SKV, ce({ type: 'PopulationRegistered', subject: `dossier:${d}`, data: { personalIdentityNumber: pnr, municipalityCode: '2281' }, time: '2021-02-01T00:00:00Z' }))).status).toBe(201);
    expect((await post(SUNDSVALL, ce({ type: 'SettledInMunicipality', subject: `pnr:${pnr}`, data: { municipalityCode: '2281', arrangement: 'self-arranged' }, time: '2021-02-02T00:00:00Z' }))).status).toBe(201);
    return { dossier: d, pnr };
  }

  describe('recording', () => {
    it('records a structured event and answers 201 with the new person id', async () => {
      const response = await post(MV, caseOpened(dossier()));
      expect(response.status).toBe(201);
      expect(response.body).toEqual({ id: expect.any(String), status: 'recorded', personId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    });

    it('treats the same (source, id) with the same content as a duplicate, with different content as 409 duplicate-id-conflict', async () => {
      const event = caseOpened(dossier());
      const first = await post(MV, event);
      const again = await post(MV, event);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ id: event.id, status: 'duplicate', personId: first.body.personId });
      const before = await count();
      const changed = await post(MV, { ...event, data: { ...(event.data as object), birthYear: 1991 } });
      expect(changed.status).toBe(409);
      expect(changed.body.code).toBe('duplicate-id-conflict');
      expect(await count()).toBe(before);
    });

    it('answers a retry 200 duplicate also when the rules would accept the event a second time', async () => {
      // The recorder decides events as new without looking them up; the append's own duplicate
      // check (newOnly) is what turns this retry into a duplicate instead of a second 201.
      const { pnr } = await settledPerson();
      const event = ce({ type: 'SettledInMunicipality', subject: `pnr:${pnr}`, data: { municipalityCode: '2281', arrangement: 'self-arranged' }, time: '2021-03-02T00:00:00Z' });
      const first = await post(SUNDSVALL, event);
      expect(first.status).toBe(201);
      const before = await count();
      const again = await post(SUNDSVALL, event);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ id: event.id, status: 'duplicate', personId: first.body.personId });
      expect(await count()).toBe(before);
    });

    it('answers a retry 200 duplicate also when the rules would refuse the event a second time', async () => {
      // Decided as new, the retry breaks a rule; it is looked up before that answer is given.
      const { dossier: d } = await settledPerson();
      expect((await post(MV, ce({ type: 'ResidencePermitGranted', subject: `dossier:${d}`, data: { permitType: 'permanent', ground: 'refugee' }, time: '2021-01-01T00:00:00Z' }))).status).toBe(201);
      const event = ce({ type: 'EstablishmentProgrammeStarted', subject: `dossier:${d}`, source: 'urn:se:af', data: { plannedEndDate: '2023-03-01' }, time: '2021-03-01T08:00:00Z' });
      const first = await post('arbetsformedlingen', event);
      expect(first.status).toBe(201);
      const again = await post('arbetsformedlingen', event);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ id: event.id, status: 'duplicate', personId: first.body.personId });
    });

    it('accepts binary content mode exactly as the cloudevents SDK sends it', async () => {
      const { pnr } = await settledPerson();
      const event = new CloudEvent({ type: 'SfiEnrolled', source: 'urn:se:kommun:2281:sfi', subject: `pnr:${pnr}`, time: '2021-03-01T08:00:00Z', data: { studyPath: 2, course: 'B' } });
      const message = HTTP.binary(event);
      const response = await app.http().post('/v1/events').set('Authorization', `Bearer ${integration(SUNDSVALL)}`).set(message.headers as Record<string, string>).send(message.body as string);
      expect(response.status).toBe(201);
      expect(response.body.status).toBe('recorded');
    });

    it('accepts structured content mode exactly as the cloudevents SDK sends it', async () => {
      const { pnr } = await settledPerson();
      const event = new CloudEvent({ type: 'CivicOrientationStarted', source: 'urn:se:kommun:2281:so', subject: `pnr:${pnr}`, time: '2021-03-01T08:00:00Z', data: { language: 'ar', plannedHours: 100 } });
      const message = HTTP.structured(event);
      const response = await app.http().post('/v1/events').set('Authorization', `Bearer ${integration(SUNDSVALL)}`).set(message.headers as Record<string, string>).send(message.body as string);
      expect(response.status).toBe(201);
    });

    it('answers a batch per event, in order, applying events about one person in the order given', async () => {
      const d = dossier();
      const events = [
        caseOpened(d),
        ce({ type: 'ReceptionHousingAssigned', subject: `dossier:${d}`, data: { housingType: 'ABO', municipalityCode: '0780' }, time: '2020-01-11T10:00:00Z' }),
        ce({ type: 'ResidencePermitGranted', subject: `dossier:${d}`, data: { permitType: 'temporary', ground: 'refugee' }, time: '2020-06-01T10:00:00Z' }),
        ce({ type: 'MigrationCaseClosed', subject: `dossier:${dossier()}`, data: { reason: 'other' } }),
        ce({ type: 'NoSuchType', subject: `dossier:${d}` }),
      ];
      for (const contentType of ['application/cloudevents-batch+json', 'application/json']) {
        const response = await post(MV, contentType === 'application/json' ? events.map((e) => ({ ...e, id: randomUUID() })).slice(3) : events, contentType);
        expect(response.status).toBe(200);
        if (contentType === 'application/json') {
          expect(response.body.results.map((r: { problem?: { code: string } }) => r.problem?.code)).toEqual(['unknown-subject', 'unknown-event-type']);
          continue;
        }
        expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(['recorded', 'recorded', 'recorded', 'rejected', 'rejected']);
        expect(response.body.results[3].problem.code).toBe('unknown-subject');
        expect(response.body.results[4].problem.code).toBe('unknown-event-type');
        const personId = response.body.results[0].personId;
        expect(response.body.results[1].personId).toBe(personId);
        const stream = await app.kedja.runtime.store.readStream(personId);
        expect(stream.map((e) => e.type)).toEqual(['MigrationCaseOpened', 'ReceptionHousingAssigned', 'ResidencePermitGranted']);
      }
    });

    it('links a personnummer with PopulationRegistered and resolves pnr: and person: subjects afterwards', async () => {
      const d = dossier();
      const opened = await post(MV, caseOpened(d));
      const pnr = personnummer(1985);
      await post(SKV, ce({ type: 'PopulationRegistered', subject: `dossier:${d}`, data: { personalIdentityNumber: pnr, municipalityCode: '2281' } }));
      const viaPnr = await post(SKV, ce({ type: 'MovedToMunicipality', subject: `pnr:${pnr}`, data: { municipalityCode: '2281' }, time: '2024-04-01T00:00:00Z' }));
      expect(viaPnr.body.personId).toBe(opened.body.personId);
      const viaPerson = await post(SKV, ce({ type: 'MovedToMunicipality', subject: `person:${opened.body.personId}`, data: { municipalityCode: '2281' }, time: '2024-05-01T00:00:00Z' }));
      expect(viaPerson.status).toBe(201);
    });

    it('lets an admin of actor platform import on behalf of an agency with actor and recordedtime', async () => {
      const d = dossier();
      const event = { ...caseOpened(d), actor: MV, recordedtime: '2020-02-01T00:00:00Z' };
      const response = await app.http().post('/v1/events').set('Authorization', `Bearer ${tokens.admin}`).set('Content-Type', 'application/cloudevents+json').send(JSON.stringify(event));
      expect(response.status).toBe(201);
      const [stored] = await app.kedja.runtime.store.readStream(response.body.personId);
      expect(stored.recordedTime).toBe('2020-02-01T00:00:00.000Z');
      expect(stored.metadata.actor).toBe(MV);
      expect(stored.metadata.postedBy).toBe('test-user');
    });
  });

  describe('problems', () => {
    it('400 invalid-event names every bad field, and stores nothing', async () => {
      const before = await count();
      const response = await post(MV, { specversion: '0.3', id: '', source: 'has space', type: 'MigrationCaseOpened', time: 'yesterday', subject: 'dossier:1', data: { route: 'walking', birthYear: 'x', gender: 'f', citizenship: 'ZZZ', extra: 1 }, colour: 'red' });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status: 400, detail: expect.any(String), code: 'invalid-event' });
      const paths = response.body.errors.map((e: { path: string }) => e.path);
      for (const p of ['specversion', 'id', 'source', 'time', 'subject', 'colour', 'data.route', 'data.birthYear', 'data.gender', 'data.citizenship', 'data.extra']) expect(paths).toContain(p);
      expect(await count()).toBe(before);
    });

    it('400 invalid-event for malformed JSON and for events in the future or before 1990', async () => {
      const broken = await app.http().post('/v1/events').set('Authorization', `Bearer ${integration(MV)}`).set('Content-Type', 'application/cloudevents+json').send('{"specversion": "1.0",');
      expect(broken.status).toBe(400);
      expect(broken.body.code).toBe('invalid-event');
      const future = await post(MV, caseOpened(dossier(), {}, { time: new Date(Date.now() + 86_400_000).toISOString() }));
      expect(future.body.errors).toEqual([{ path: 'time', message: 'must not be in the future' }]);
      const old = await post(MV, caseOpened(dossier(), { birthYear: 1980 }, { time: '1989-12-31T23:59:59Z' }));
      expect(old.body.errors).toEqual([{ path: 'time', message: 'must not be before 1990-01-01' }]);
    });

    it('400 unknown-event-type', async () => {
      const response = await post(MV, ce({ type: 'PersonTeleported', subject: `dossier:${dossier()}` }));
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('unknown-event-type');
    });

    it('401 without a token, with a malformed, a foreign or an expired token', async () => {
      const body = JSON.stringify(caseOpened(dossier()));
      const none = await app.http().post('/v1/events').set('Content-Type', 'application/json').send(body);
      expect(none.status).toBe(401);
      expect(none.body.code).toBe('unauthorized');
      const garbage = await app.http().post('/v1/events').set('Authorization', 'Bearer not.a.jwt').set('Content-Type', 'application/json').send(body);
      expect(garbage.status).toBe(401);
      const other = await startTestApp('sqlite');
      try {
        const foreign = await other.token(MV, 'integration');
        expect((await app.http().post('/v1/events').set('Authorization', `Bearer ${foreign}`).set('Content-Type', 'application/json').send(body)).status).toBe(401);
      } finally {
        await other.close();
      }
      const { mintLocalToken } = await import('@kedja/auth');
      const expired = await mintLocalToken(app.config.dataDir, { actor: MV, roles: ['integration'], sub: 'x', ttlSeconds: -10 });
      const late = await app.http().post('/v1/events').set('Authorization', `Bearer ${expired}`).set('Content-Type', 'application/json').send(body);
      expect(late.status).toBe(401);
      expect(late.body.detail).toMatch(/expired/);
    });

    it('403 not-permitted for a caseworker token, and for an agency posting a type it does not report', async () => {
      const asCaseworker = await app.http().post('/v1/events').set('Authorization', `Bearer ${tokens.caseworker}`).set('Content-Type', 'application/json').send(JSON.stringify(caseOpened(dossier())));
      expect(asCaseworker.status).toBe(403);
      expect(asCaseworker.body.code).toBe('not-permitted');
      const asSkv = await post(SKV, caseOpened(dossier()));
      expect(asSkv.status).toBe(403);
      expect(asSkv.body.code).toBe('not-permitted');
    });

    it('403 not-permitted when a municipality reports for another municipality; 422 unknown-subject, as for nobody, for a person who is not its own', async () => {
      const { pnr } = await settledPerson();
      const otherSettles = await post('municipality:0180', ce({ type: 'SettledInMunicipality', subject: `pnr:${pnr}`, data: { municipalityCode: '2281', arrangement: 'assigned' } }));
      expect(otherSettles.status).toBe(403);
      const otherEnrols = await post('municipality:0180', ce({ type: 'SfiEnrolled', subject: `pnr:${pnr}`, data: { studyPath: 1, course: 'A' } }));
      expect(otherEnrols.status).toBe(422);
      expect(otherEnrols.body.code).toBe('unknown-subject');
      const ownEnrols = await post(SUNDSVALL, ce({ type: 'SfiEnrolled', subject: `pnr:${pnr}`, data: { studyPath: 1, course: 'A' } }));
      expect(ownEnrols.status).toBe(201);
    });

    it('422 unknown-subject when a region posts for a person outside its county', async () => {
      const { pnr } = await settledPerson();
      expect((await post('region:01', ce({ type: 'HealthExaminationOffered', subject: `pnr:${pnr}` }))).status).toBe(422);
      expect((await post('region:22', ce({ type: 'HealthExaminationOffered', subject: `pnr:${pnr}` }))).status).toBe(201);
    });

    it('400 when actor or recordedtime are misused', async () => {
      const wrongActor = await post(MV, { ...caseOpened(dossier()), actor: SKV });
      expect(wrongActor.status).toBe(400);
      expect(wrongActor.body.errors).toEqual([{ path: 'actor', message: "must equal the token's actor" }]);
      const recorded = await post(MV, { ...caseOpened(dossier()), recordedtime: '2020-02-01T00:00:00Z' });
      expect(recorded.body.errors[0].path).toBe('recordedtime');
      const importWithoutActor = await app.http().post('/v1/events').set('Authorization', `Bearer ${tokens.admin}`).set('Content-Type', 'application/json').send(JSON.stringify(caseOpened(dossier())));
      expect(importWithoutActor.body.errors[0].path).toBe('actor');
    });

    it('409 subject-exists for a second case with the same dossier number', async () => {
      const d = dossier();
      await post(MV, caseOpened(d));
      const response = await post(MV, caseOpened(d));
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('subject-exists');
    });

    it('409 identifier-conflict when a personnummer is linked to another person, without echoing it', async () => {
      const a = dossier();
      const b = dossier();
      await post(MV, caseOpened(a));
      await post(MV, caseOpened(b));
      const pnr = personnummer(1970);
      await post(SKV, ce({ type: 'PopulationRegistered', subject: `dossier:${a}`, data: { personalIdentityNumber: pnr, municipalityCode: '2281' } }));
      const response = await post(SKV, ce({ type: 'PopulationRegistered', subject: `dossier:${b}`, data: { personalIdentityNumber: pnr, municipalityCode: '2281' } }));
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('identifier-conflict');
      expect(JSON.stringify(response.body)).not.toContain(pnr);
      expect(JSON.stringify(response.body)).not.toContain(b);
    });

    it('422 unknown-subject stores nothing', async () => {
      const before = await count();
      const response = await post(SKV, ce({ type: 'MovedToMunicipality', subject: `pnr:${personnummer(1960)}`, data: { municipalityCode: '2281' } }));
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('unknown-subject');
      expect(await count()).toBe(before);
    });

    it('422 rule-violation for ending what is not open, naming the rule', async () => {
      const { pnr } = await settledPerson();
      expect((await post(MV, ce({ type: 'ResidencePermitGranted', subject: `pnr:${pnr}`, data: { permitType: 'permanent', ground: 'refugee' }, time: '2021-01-01T00:00:00Z' }))).status).toBe(201);
      const response = await post('arbetsformedlingen', ce({ type: 'EmploymentEnded', subject: `pnr:${pnr}` }));
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('rule-violation');
      expect(response.body.detail).toMatch(/employment/i);
    });

    it('413 for a body over the limit and for a batch over 1,000 events', async () => {
      const huge = { ...caseOpened(dossier()), data: { route: 'x'.repeat(6 * 1024 * 1024) } };
      const tooLarge = await post(MV, huge);
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body.code).toBe('payload-too-large');
      const many = Array.from({ length: 1001 }, () => caseOpened(dossier()));
      const tooMany = await post(MV, many, 'application/cloudevents-batch+json');
      expect(tooMany.status).toBe(413);
    });

    it('415 for a content type that is not JSON', async () => {
      const response = await app.http().post('/v1/events').set('Authorization', `Bearer ${integration(MV)}`).set('Content-Type', 'text/plain').send('hello');
      expect(response.status).toBe(415);
      expect(response.body.code).toBe('unsupported-media-type');
    });

    it('never puts a personnummer in a problem body', async () => {
      const pnr = personnummer(1975);
      const response = await post(SKV, ce({ type: 'PopulationRegistered', subject: `pnr:${pnr}`, data: { personalIdentityNumber: pnr.slice(0, 11) + ((Number(pnr[11]) + 1) % 10), municipalityCode: '2281' } }));
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(response.body)).not.toMatch(/\d{10,12}/);
    });
  });
});
