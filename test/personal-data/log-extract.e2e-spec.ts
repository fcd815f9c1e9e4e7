import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { AF, Agencies, MV, SKV, SUNDSVALL, throughTheChain, type Person } from '../reading/scenario';

/** The log extract: every audited read of the person's record, through every endpoint that reads one. */
describeEachStore('GET /v1/audit/extract', (kind) => {
  let app: TestApp;
  let a: Agencies;
  let person: Person;
  let admin: string;
  const extract = (query: string, token = admin) => app.http().get(`/v1/audit/extract?${query}`).set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    app = await startTestApp(kind, { KEDJA_PROJECTIONS_IN_PROCESS: 'true' });
    a = new Agencies(app);
    person = await throughTheChain(a);
    await app.kedja.runtime.projections!.waitUntilCaughtUp();
    admin = await a.token('platform', 'admin', 'dpo');
  }, 120_000);
  afterAll(() => app?.close());

  it('lists each read of the person, by every endpoint, oldest first, with actor, user, time, kind and purpose; also as CSV', async () => {
    const read = async (path: string, actor: string, purpose: string, sub: string, role: 'caseworker' | 'admin' = 'caseworker') => {
      const response = await a.get(path, await a.token(actor, role, sub)).set('x-purpose', purpose);
      expect(response.status).toBe(200);
    };
    await read(`/v1/persons/${person.subject}/timeline`, MV, 'case handling', 'mv-1');
    const lookup = await app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${await a.token(SKV, 'caseworker', 'skv-1')}`).set('x-purpose', 'registration check').send({ subject: `pnr:${person.pnr}` });
    expect(lookup.status).toBe(200);
    const midpoint = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await read('/v1/views/municipalities/2281/residents', SUNDSVALL, 'reception planning', 'kommun-1');
    await read('/v1/views/establishment', AF, '=HYPERLINK("x")', 'af-1');
    await read(`/v1/audit?subject=person:${person.personId}`, 'platform', 'complaint', 'dpo', 'admin');

    const response = await extract(`subject=pnr:${person.pnr}`);
    expect(response.status).toBe(200);
    expect(response.body.personId).toBe(person.personId);
    const reads = response.body.reads as Array<{ at: string; actor: string; user: string; kind: string; purpose: string | null; outcome: string }>;
    expect(reads.map((r) => [r.kind, r.actor, r.user, r.purpose, r.outcome])).toEqual([
      ['timeline', MV, 'mv-1', 'case handling', 'read'],
      ['lookup', SKV, 'skv-1', 'registration check', 'read'],
      ['view:municipality-residents', SUNDSVALL, 'kommun-1', 'reception planning', 'read'],
      ['view:establishment', AF, 'af-1', '=HYPERLINK("x")', 'read'],
      ['audit', 'platform', 'dpo', 'complaint', 'read'],
    ]);
    expect([...reads].sort((x, y) => x.at.localeCompare(y.at))).toEqual(reads);

    // Making the extract is itself a read; from/to select by time.
    const later = (await extract(`subject=person:${person.personId}&from=${encodeURIComponent(midpoint)}`)).body.reads as Array<{ kind: string }>;
    expect(later.map((r) => r.kind)).toEqual(['view:municipality-residents', 'view:establishment', 'audit', 'extract']);
    const earlier = (await extract(`subject=person:${person.personId}&to=${encodeURIComponent(midpoint)}`)).body.reads as Array<{ kind: string }>;
    expect(earlier.map((r) => r.kind)).toEqual(['timeline', 'lookup']);

    const csv = await extract(`subject=person:${person.personId}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('at,actor,user,kind,purpose,outcome');
    expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2}T[^,]+,migrationsverket,mv-1,timeline,case handling,read$/);
    // A purpose a spreadsheet would run as a formula is defused and quoted.
    expect(lines[4]).toContain(',"\'=HYPERLINK(""x"")",');
    expect(lines).toHaveLength(1 + 8);
  });

  it('is for an admin of platform only, and answers bad input with a problem', async () => {
    expect((await extract(`subject=${person.subject}`, await a.token(MV, 'caseworker'))).status).toBe(403);
    expect((await extract(`subject=${person.subject}`, await a.token(MV, 'admin'))).status).toBe(403);
    expect((await extract('')).body.code).toBe('invalid-request');
    expect((await extract(`subject=${person.subject}&format=xml`)).body.code).toBe('invalid-request');
    expect((await extract(`subject=${person.subject}&from=yesterday`)).body.code).toBe('invalid-request');
    const unknown = await extract('subject=dossier:99-999998');
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).not.toContain('99-999998');
  });
});
