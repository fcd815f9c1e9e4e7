import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { AF, Agencies, FK, MV, REGION_VN, SKV, STOCKHOLM, SUNDSVALL, throughTheChain, type Person } from './scenario';

describeEachStore('reading a person: timeline, lookup, audit', (kind) => {
  let app: TestApp;
  let a: Agencies;
  let moved: Person;

  beforeAll(async () => {
    app = await startTestApp(kind);
    a = new Agencies(app);
    moved = await throughTheChain(a, { move: true });
  }, 120_000);
  afterAll(() => app?.close());

  const timeline = async (actor: string, subject: string, query = '') =>
    a.get(`/v1/persons/${subject}/timeline${query}`, await a.token(actor, 'caseworker'));
  const types = (body: { events: { type: string }[] }) => body.events.map((e) => e.type);

  it('shows Migrationsverket its categories with every field, in event-time order', async () => {
    const response = await timeline(MV, moved.subject);
    expect(response.status).toBe(200);
    expect(response.body.personId).toBe(moved.personId);
    expect(types(response.body)).toEqual([
      'MigrationCaseOpened', 'ResidencePermitGranted', 'MunicipalityAssigned', 'PopulationRegistered', 'SettledInMunicipality', 'MovedToMunicipality',
    ]);
    const opened = response.body.events[0];
    expect(opened).toEqual({
      id: expect.any(String), source: 'urn:se:migrationsverket:case', type: 'MigrationCaseOpened', time: '2023-01-10T10:00:00.000Z',
      recordedAt: expect.any(String), postedBy: MV, data: expect.objectContaining({ citizenship: 'SYR' }),
    });
    const times = response.body.events.map((e: { time: string }) => Date.parse(e.time));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(response.body.summary).toMatchObject({ phase: 'settled', municipalityCode: '0180', countyCode: '01' });
  });

  it('hides fields and categories per actor (spot checks of the policy)', async () => {
    const sundsvall = (await timeline(SUNDSVALL, `person:${moved.personId}`)).body;
    expect(sundsvall.events[0].data.citizenship).toBeUndefined();
    expect(types(sundsvall)).not.toContain('HealthExaminationOffered');

    const region = (await timeline(REGION_VN, moved.subject)).body;
    expect(types(region)).toContain('HealthExaminationOffered');
    expect(region.events[0].data).toEqual({ birthYear: 1990, gender: 'female' });
    expect(types(region)).not.toContain('SfiEnrolled');

    const fk = (await timeline(FK, moved.subject)).body;
    expect(types(fk)).toEqual(expect.arrayContaining(['ResidencePermitGranted', 'EstablishmentProgrammeStarted', 'EstablishmentAllowanceGranted']));
    expect(types(fk)).not.toContain('MigrationCaseOpened');
    expect(types(fk)).not.toContain('InternshipStarted');
    expect(fk.events.find((e: { type: string }) => e.type === 'ResidencePermitGranted').data).toEqual({ permitType: 'temporary' });
    // The summary comes from what FK sees: the programme, not the internship it cannot see.
    expect(fk.summary.phase).toBe('establishment');

    const skv = (await timeline(SKV, `pnr:${moved.pnr}`)).body;
    expect(types(skv)).toEqual(['PopulationRegistered', 'MovedToMunicipality']);
    expect(skv.summary.phase).toBe('settled');

    const af = (await timeline(AF, moved.subject)).body;
    expect(types(af)).toContain('InternshipStarted');
    expect(af.events[0].data.citizenship).toBeUndefined();
  });

  it('cuts a municipality off at the move, and gives the new municipality the whole history', async () => {
    const sundsvall = (await timeline(SUNDSVALL, moved.subject)).body;
    expect(types(sundsvall).at(-1)).toBe('MovedToMunicipality');
    const stockholm = (await timeline(STOCKHOLM, moved.subject)).body;
    expect(types(stockholm)).toContain('SfiEnrolled');
    expect(stockholm.summary.municipalityCode).toBe('0180');
  });

  it('answers 404 for a person out of scope exactly as for an unknown one', async () => {
    const outOfScope = await timeline('municipality:1280', moved.subject);
    const unknown = await timeline('municipality:1280', 'dossier:99-999999');
    const unknownUuid = await timeline('municipality:1280', 'person:00000000-0000-4000-8000-000000000000');
    expect(outOfScope.status).toBe(404);
    expect(unknownUuid.status).toBe(404);
    expect(outOfScope.body).toEqual(unknownUuid.body);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(outOfScope.body);
    expect(outOfScope.headers['content-type']).toEqual(unknownUuid.headers['content-type']);
  });

  it('refuses analysts, county boards, admins and integration tokens with 403', async () => {
    for (const [actor, role] of [['analyst', 'analyst'], ['county:22', 'caseworker'], ['platform', 'admin'], [SUNDSVALL, 'integration']] as const) {
      const response = await a.get(`/v1/persons/${moved.subject}/timeline`, await a.token(actor, role));
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('not-permitted');
    }
    expect((await app.http().get(`/v1/persons/${moved.subject}/timeline`)).status).toBe(401);
  });

  it('rejects a malformed subject or asOf with 400 naming the field, without echoing it', async () => {
    const bad = await timeline(MV, 'pnr:199001011234');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('subject');
    expect(JSON.stringify(bad.body)).not.toContain('199001011234');
    const asOf = await timeline(MV, moved.subject, '?asOf=yesterday');
    expect(asOf.status).toBe(400);
    expect(asOf.body.errors[0].path).toBe('asOf');
  });

  it('replays asOf: later events and later retractions are ignored', async () => {
    const p = await a.openCase();
    const permit = await a.post(MV, p.subject, 'ResidencePermitGranted', '2023-06-01T09:00:00Z', { permitType: 'permanent', ground: 'refugee' });
    await new Promise((r) => setTimeout(r, 20));
    const before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    // A late report: happened before the permit, learned after `before`.
    await a.post(MV, p.subject, 'ReceptionHousingAssigned', '2023-02-01T09:00:00Z', { housingType: 'ABO', municipalityCode: '2281' });
    await a.retract(MV, p.subject, permit, '2024-01-01T09:00:00Z');

    const now = (await timeline(MV, p.subject)).body;
    expect(types(now)).toEqual(['MigrationCaseOpened', 'ReceptionHousingAssigned']);
    expect(now.summary.phase).toBe('asylum');

    const then = (await timeline(MV, p.subject, `?asOf=${encodeURIComponent(before)}`)).body;
    expect(types(then)).toEqual(['MigrationCaseOpened', 'ResidencePermitGranted']);
    expect(then.summary.phase).toBe('permit');
  });

  it('looks a subject up to its person id, scoped like a timeline read', async () => {
    const token = await a.token(SUNDSVALL, 'caseworker');
    const found = await app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${token}`).send({ subject: `pnr:${moved.pnr}` });
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ personId: moved.personId });
    const other = await app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${await a.token('municipality:1280', 'caseworker')}`).send({ subject: moved.subject });
    expect(other.status).toBe(404);
    const bad = await app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${token}`).send({ subject: 'x', extra: 1 });
    expect(bad.status).toBe(400);
    const analyst = await app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${await a.token('analyst', 'analyst')}`).send({ subject: moved.subject });
    expect(analyst.status).toBe(403);
  });

  it('writes an audit row for every read, readable by the platform admin, paged by cursor', async () => {
    const p = await throughTheChain(a);
    const anna = await a.token(SUNDSVALL, 'caseworker', 'anna');
    await a.get(`/v1/persons/${p.subject}/timeline`, anna).set('x-purpose', 'planning SFI').expect(200);
    await a.get(`/v1/persons/pnr:${p.pnr}/timeline?asOf=2030-01-01T00:00:00Z`, anna).expect(200);
    await app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${anna}`).send({ subject: p.subject }).expect(200);
    await a.get(`/v1/persons/${p.subject}/timeline`, await a.token('municipality:1280', 'caseworker', 'eve')).expect(404);

    const admin = await a.token('platform', 'admin', 'auditor');
    const all = await a.get(`/v1/audit?subject=pnr:${p.pnr}`, admin);
    expect(all.status).toBe(200);
    expect(all.body.personId).toBe(p.personId);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.items).toEqual([
      expect.objectContaining({ sub: 'anna', actor: SUNDSVALL, action: 'timeline', personId: p.personId, route: 'GET /v1/persons/{subject}/timeline', purpose: 'planning SFI', asOf: null, outcome: 'read' }),
      expect.objectContaining({ sub: 'anna', action: 'timeline', asOf: '2030-01-01T00:00:00.000Z', outcome: 'read' }),
      expect.objectContaining({ sub: 'anna', action: 'lookup', route: 'POST /v1/persons/lookup', outcome: 'read' }),
      expect.objectContaining({ sub: 'eve', actor: 'municipality:1280', action: 'timeline', outcome: 'out-of-scope' }),
    ]);
    expect(JSON.stringify(all.body)).not.toContain(p.pnr);

    const first = await a.get(`/v1/audit?subject=${p.subject}&limit=2`, admin);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await a.get(`/v1/audit?subject=person:${p.personId}&limit=2&cursor=${first.body.nextCursor}`, admin);
    expect(second.body.items.map((i: { action: string }) => i.action)).toEqual(['lookup', 'timeline']);
    // The two earlier audit reads are themselves audited.
    const third = await a.get(`/v1/audit?subject=${p.subject}&limit=2&cursor=${second.body.nextCursor}`, admin);
    expect(third.body.items.map((i: { action: string }) => i.action)).toEqual(['audit', 'audit']);

    expect((await a.get(`/v1/audit?subject=${p.subject}`, anna)).status).toBe(403);
    expect((await a.get(`/v1/audit?subject=${p.subject}&limit=5000`, admin)).status).toBe(400);
    expect((await a.get(`/v1/audit?subject=${p.subject}&cursor=nonsense`, admin)).status).toBe(400);
    expect((await a.get('/v1/audit?subject=person:00000000-0000-4000-8000-000000000000', admin)).status).toBe(404);
  });

  // Last: it breaks the audit log of this app on purpose.
  it('refuses to serve a read it cannot audit (503), and serves none of the record', async () => {
    await app.kedja.runtime.db.execute('ALTER TABLE audit_log RENAME TO audit_log_gone');
    const response = await timeline(MV, moved.subject);
    expect(response.status).toBe(503);
    expect(response.body.code).toBe('unavailable');
    expect(response.body.events).toBeUndefined();
  });
});
