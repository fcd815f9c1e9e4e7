import { randomUUID } from 'node:crypto';
import { CATALOGUE, EVENT_TYPES, EXAMPLES, validateEventData, type FieldSpec } from '@kedja/chain';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { ce, dossier, personnummer } from '../support/events';
import { REFUSED_READ_FLOOR_MS } from '../../apps/api/src/reading/timeline/timeline-reads';
import { AF, Agencies, FK, MV, REGION_VN, SKV, STOCKHOLM, SUNDSVALL, TIMRA, sourceOf } from '../reading/scenario';

/**
 * CONTRACT.md Amendments v1.1 "Secrecy of posting", tried the way an agency holding an ordinary
 * integration or caseworker token would try it: re-posting what its timeline shows with guessed
 * hidden fields, probing for people outside its scope, claiming a person by a settlement.
 */
interface Posted {
  readonly type: string;
  readonly id: string;
  readonly source: string;
  readonly time: string;
  readonly data: Record<string, unknown>;
  readonly actor: string;
}

const REGION_AB = 'region:01';
const ATTACKERS = [MV, SKV, SUNDSVALL, TIMRA, STOCKHOLM, REGION_VN, REGION_AB, AF, FK];

const CODE_GUESSES: Record<string, readonly string[]> = {
  kommunkod: ['0180', '2262', '2281'], alpha3: ['ERI', 'SYR', 'AFG'], ssyk: ['2512', '5321'], 'iso639-1': ['sv', 'ar', 'en'],
  personnummer: [personnummer(1990, true), personnummer(1985)],
};

/** Other values an attacker might try for a field, from the catalogue's own description of it. */
function alternatives(spec: FieldSpec, value: unknown): unknown[] {
  switch (spec.kind) {
    case 'enum': return spec.values.filter((v) => v !== value);
    case 'boolean': return [!value];
    case 'integer': return [Number(value) + 1, Number(value) - 1];
    case 'date': return [new Date(Date.parse(String(value)) + 86_400_000).toISOString().slice(0, 10)];
    case 'code': return (CODE_GUESSES[spec.codeList] ?? []).filter((v) => v !== value);
    case 'string': return [`${String(value)} (guess)`];
    case 'array': return [[]];
  }
}

/** A guess that differs from the truth and passes validation: another value of some field, else another time. */
function wrongGuess(event: Posted): { data: Record<string, unknown>; time: string } {
  const fields = CATALOGUE[event.type as keyof typeof CATALOGUE].fields as Record<string, FieldSpec>;
  // A settlement's municipality decides who may post it at all, so it is guessed last.
  const order = Object.keys(event.data).sort((x, y) => Number(x === 'municipalityCode') - Number(y === 'municipalityCode'));
  for (const field of order) {
    for (const other of alternatives(fields[field], event.data[field])) {
      const data = { ...event.data, [field]: other };
      if (validateEventData(event.type, data, { time: event.time }).length === 0) return { data, time: event.time };
    }
  }
  return { data: event.data, time: new Date(Date.parse(event.time) + 60_000).toISOString() };
}

describeEachStore('secrecy of posting, attacked', (kind) => {
  let app: TestApp;
  let a: Agencies;
  let subject: string;
  let pnr: string;
  const posted: Posted[] = [];

  const postAs = async (actor: string, body: unknown, contentType = 'application/cloudevents+json') =>
    app.http().post('/v1/events').set('Authorization', `Bearer ${await a.token(actor)}`).set('Content-Type', contentType).send(JSON.stringify(body));
  const readAs = async (actor: string, path: string) => a.get(path, await a.token(actor, 'caseworker'));
  const lookupAs = async (actor: string, body: unknown) =>
    app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${await a.token(actor, 'caseworker')}`).set('Content-Type', 'application/json').send(JSON.stringify(body));

  async function record(actor: string, type: string, time: string, data: Record<string, unknown> = {}): Promise<void> {
    const id = await a.post(actor, subject, type, time, data);
    posted.push({ type, id, source: sourceOf(actor), time: new Date(time).toISOString(), data, actor });
  }

  beforeAll(async () => {
    app = await startTestApp(kind, { KEDJA_PROJECTIONS_IN_PROCESS: 'true' });
    a = new Agencies(app);
    // One person with an event of every type in the catalogue, each from the agency that reports it.
    const opened = await a.openCase({ citizenship: 'SYR', birthYear: 1990 });
    subject = opened.subject;
    pnr = personnummer(1990, true);
    await record(MV, 'ReceptionHousingAssigned', '2023-01-20T09:00:00Z', { housingType: 'ABO', municipalityCode: '2281' });
    await record(MV, 'ResidencePermitRefused', '2023-03-01T09:00:00Z');
    await record(MV, 'ResidencePermitGranted', '2023-06-01T09:00:00Z', { permitType: 'temporary', ground: 'refugee' });
    await record(MV, 'MunicipalityAssigned', '2023-06-15T09:00:00Z', { municipalityCode: '2281' });
    await record(SKV, 'PopulationRegistered', '2023-07-01T09:00:00Z', { personalIdentityNumber: pnr, municipalityCode: '2281' });
    await record(SUNDSVALL, 'SettledInMunicipality', '2023-07-01T10:00:00Z', { municipalityCode: '2281', arrangement: 'assigned' });
    await record(REGION_VN, 'HealthExaminationOffered', '2023-07-15T09:00:00Z');
    await record(REGION_VN, 'HealthExaminationCompleted', '2023-07-20T09:00:00Z');
    await record(SUNDSVALL, 'SfiEnrolled', '2023-08-01T09:00:00Z', { studyPath: 2, course: 'B' });
    await record(SUNDSVALL, 'SfiCoursePassed', '2023-10-01T09:00:00Z', { course: 'B', grade: 'C' });
    await record(SUNDSVALL, 'SfiEnrolled', '2023-10-05T09:00:00Z', { studyPath: 2, course: 'C' });
    await record(SUNDSVALL, 'SfiDiscontinued', '2023-11-01T09:00:00Z', { course: 'C', reason: 'work' });
    await record(SUNDSVALL, 'CivicOrientationStarted', '2023-08-15T09:00:00Z', { language: 'ar', plannedHours: 100 });
    await record(SUNDSVALL, 'CivicOrientationCompleted', '2023-12-01T09:00:00Z', { hours: 60 });
    await record(AF, 'EstablishmentProgrammeStarted', '2023-09-01T09:00:00Z', { plannedEndDate: '2025-08-31' });
    await record(FK, 'EstablishmentAllowanceGranted', '2023-09-05T09:00:00Z', { extentPercent: 100 });
    await record(AF, 'CompetenceMapped', '2023-09-10T09:00:00Z', { ...EXAMPLES.CompetenceMapped });
    await record(AF, 'InternshipStarted', '2024-01-10T09:00:00Z', { occupation: '5321', sector: 'private' });
    await record(AF, 'InternshipEnded', '2024-02-10T09:00:00Z');
    await record(SUNDSVALL, 'ValidationStarted', '2024-01-15T09:00:00Z', { ...EXAMPLES.ValidationStarted });
    await record(SUNDSVALL, 'ValidationCompleted', '2024-02-15T09:00:00Z', { outcome: 'full' });
    await record(AF, 'EducationStarted', '2024-02-20T09:00:00Z', { ...EXAMPLES.EducationStarted });
    await record(AF, 'EducationEnded', '2024-03-20T09:00:00Z', { completed: true });
    await record(AF, 'EmploymentStarted', '2024-04-01T09:00:00Z', { ...EXAMPLES.EmploymentStarted });
    await record(AF, 'EmploymentEnded', '2024-05-01T09:00:00Z');
    await record(AF, 'EstablishmentProgrammeEnded', '2024-05-02T09:00:00Z', { reason: 'employment' });
    await record(AF, 'BusinessStarted', '2024-06-01T09:00:00Z', { ...EXAMPLES.BusinessStarted });
    await record(SUNDSVALL, 'EventRetracted', '2024-06-02T09:00:00Z', { eventId: posted.find((e) => e.type === 'ValidationCompleted')!.id, reason: 'reported in error' });
    await record(SKV, 'MovedToMunicipality', '2024-07-01T09:00:00Z', { municipalityCode: '2262' });
    await record(MV, 'MigrationCaseClosed', '2024-08-01T09:00:00Z', { reason: 'citizenship' });
    // The case opening as Migrationsverket's own timeline shows it, every field included.
    const mv = await readAs(MV, `/v1/persons/${subject}/timeline`);
    const case_ = mv.body.events.find((e: { type: string }) => e.type === 'MigrationCaseOpened');
    posted.push({ type: 'MigrationCaseOpened', id: case_.id, source: case_.source, time: case_.time, data: case_.data, actor: MV });
  }, 180_000);
  afterAll(() => app?.close());

  it('covers the whole catalogue', () => {
    expect(new Set(posted.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
  });

  describe('guessing a hidden field through a re-post answers the same for a right and a wrong guess', () => {
    for (const type of EVENT_TYPES) {
      it(`${type}, by every other actor`, async () => {
        const before = await app.kedja.runtime.store.countAfter(null);
        for (const event of posted.filter((e) => e.type === type)) {
          for (const attacker of ATTACKERS.filter((actor) => actor !== event.actor)) {
            const base = { id: event.id, source: event.source, type: event.type, subject };
            const right = await postAs(attacker, ce({ ...base, time: event.time, data: event.data }));
            const guess = wrongGuess(event);
            const wrong = await postAs(attacker, ce({ ...base, time: guess.time, data: guess.data }));
            expect([attacker, wrong.status, wrong.body]).toEqual([attacker, right.status, right.body]);
            expect([attacker, right.body.status]).not.toEqual([attacker, 'duplicate']);
            // And inside a batch, where each event stands alone.
            const batch = await postAs(attacker, [ce({ ...base, time: event.time, data: event.data }), ce({ ...base, time: guess.time, data: guess.data })], 'application/cloudevents-batch+json');
            expect(batch.status).toBe(200);
            expect([attacker, batch.body.results[1]]).toEqual([attacker, batch.body.results[0]]);
          }
        }
        expect(await app.kedja.runtime.store.countAfter(null)).toBe(before);
      }, 60_000);
    }

    it('the poster itself is told duplicate and conflict, as it knows what it posted', async () => {
      const event = posted.find((e) => e.type === 'SfiCoursePassed')!;
      const base = { id: event.id, source: event.source, type: event.type, subject };
      expect((await postAs(SUNDSVALL, ce({ ...base, time: event.time, data: event.data }))).body.status).toBe('duplicate');
      expect((await postAs(SUNDSVALL, ce({ ...base, time: event.time, data: { ...event.data, grade: 'A' } }))).status).toBe(409);
    });

    it('a source belongs to the first actor that posted with it', async () => {
      const stolen = await postAs(STOCKHOLM, ce({ type: 'SfiEnrolled', subject: `pnr:${pnr}`, source: sourceOf(SUNDSVALL), data: { studyPath: 1, course: 'A' }, time: '2024-06-10T09:00:00Z' }));
      expect(stolen.status).toBe(403);
      expect(stolen.body).toMatchObject({ code: 'not-permitted', detail: 'This source belongs to another actor.' });
    });
  });

  describe('an unknown subject and one outside the caller\'s scope answer alike', () => {
    /** A person only Migrationsverket knows of: in no other agency's scope. */
    async function unplaced(): Promise<{ dossier: string; personId: string }> {
      const opened = await a.openCase();
      return { dossier: opened.dossier, personId: opened.personId };
    }

    const unknownSubjects = () => [`dossier:${dossier()}`, `pnr:${personnummer(1985)}`, `person:${randomUUID()}`];

    it('when posting, for every type an actor posts about someone it does not hold', async () => {
      const lonely = await unplaced();
      // Outside: Stockholm, region 01 and (for Timrå before any move) hold nobody here; SKV, AF and
      // FK have no mandate over a person with only a case.
      const cases: [string, string][] = [];
      for (const type of EVENT_TYPES) {
        for (const actor of [SKV, STOCKHOLM, REGION_AB, AF, FK]) {
          if (!(CATALOGUE[type].postedBy as readonly string[]).includes(actor.split(':')[0])) continue;
          if (type === 'PopulationRegistered' || type === 'SettledInMunicipality') continue; // these create scope
          cases.push([type, actor]);
        }
      }
      expect(cases.length).toBeGreaterThan(20);
      for (const [type, actor] of cases) {
        const data = type === 'EventRetracted' ? { eventId: 'some-event', reason: 'reported in error' }
          : type === 'EstablishmentProgrammeStarted' ? { plannedEndDate: '2025-08-31' } : { ...EXAMPLES[type as keyof typeof EXAMPLES] };
        // Outside the actor's scope: the person only Migrationsverket knows of, by each subject
        // form, and for Stockholm and region 01 also the person of Sundsvall's county.
        const people = [`dossier:${lonely.dossier}`, `person:${lonely.personId}`, ...(actor === STOCKHOLM || actor === REGION_AB ? [subject, `pnr:${pnr}`] : [])];
        const answers = [];
        for (const s of [...unknownSubjects(), ...people]) {
          const response = await postAs(actor, ce({ type, subject: s, source: `${sourceOf(actor)}:probe`, data, time: '2024-09-01T09:00:00Z' }));
          answers.push({ status: response.status, type: response.headers['content-type'], body: response.body });
        }
        for (const answer of answers) expect([type, actor, answer]).toEqual([type, actor, answers[0]]);
        expect(answers[0]).toMatchObject({ status: 422, body: { code: 'unknown-subject', detail: 'no person in your scope has this identifier' } });
      }
    }, 120_000);

    it('when reading a timeline (both routes, with and without asOf) or looking a subject up', async () => {
      const lonely = await unplaced();
      for (const actor of [SKV, STOCKHOLM, REGION_AB, AF, FK]) {
        const people = [`dossier:${lonely.dossier}`, `person:${lonely.personId}`, ...(actor === STOCKHOLM || actor === REGION_AB ? [subject, `pnr:${pnr}`] : [])];
        const answers = [];
        for (const s of [...unknownSubjects(), ...people]) {
          for (const path of [`/v1/persons/${s}/timeline`, `/v1/persons/${s}/timeline/`, `/v1/persons/${s}/timeline?asOf=2030-01-01T00:00:00Z`]) {
            const response = await readAs(actor, path);
            answers.push({ what: 'timeline', status: response.status, type: response.headers['content-type'], body: response.body });
          }
          const lookup = await lookupAs(actor, { subject: s });
          answers.push({ what: 'lookup', status: lookup.status, type: lookup.headers['content-type'], body: lookup.body });
        }
        const first = { timeline: answers.find((x) => x.what === 'timeline'), lookup: answers.find((x) => x.what === 'lookup') };
        for (const answer of answers) expect([actor, answer]).toEqual([actor, first[answer.what as 'timeline' | 'lookup']]);
        expect(first.timeline!.status).toBe(404);
      }
    }, 120_000);

    // The timing half of the rule: both refusals wait out one floor, so an out-of-scope person's
    // extra work (reading and scoping their events) does not show in the response time. The
    // medians themselves are a benchmark row (`npm run bench -- --only secrecy`), not a timed test.
    it('answers both refusals of a read no sooner than the refusal floor after the request', async () => {
      const lonely = await unplaced();
      for (const s of [unknownSubjects()[0], `dossier:${lonely.dossier}`]) {
        for (const path of [`/v1/persons/${s}/timeline`, `/v1/persons/${s}/timeline?asOf=2030-01-01T00:00:00Z`]) {
          const started = performance.now();
          const response = await readAs(STOCKHOLM, path);
          expect(response.status).toBe(404);
          expect([s, performance.now() - started >= REFUSED_READ_FLOOR_MS]).toEqual([s, true]);
        }
        const started = performance.now();
        expect((await lookupAs(STOCKHOLM, { subject: s })).status).toBe(404);
        expect([s, performance.now() - started >= REFUSED_READ_FLOOR_MS]).toEqual([s, true]);
      }
    });
  });

  describe('scope', () => {
    it('a settlement claim opens no history; the registered municipality may still post; the claim is an anomaly', async () => {
      const person = await a.openCase({ citizenship: 'ERI', birthYear: 1995 });
      const s = person.subject;
      await a.post(MV, s, 'ResidencePermitGranted', '2023-06-01T09:00:00Z', { permitType: 'permanent', ground: 'refugee' });
      await a.post(MV, s, 'MunicipalityAssigned', '2023-06-15T09:00:00Z', { municipalityCode: '2281' });
      await a.post(SKV, s, 'PopulationRegistered', '2023-07-01T09:00:00Z', { personalIdentityNumber: personnummer(1995), municipalityCode: '2281' });
      await a.post(SUNDSVALL, s, 'SettledInMunicipality', '2023-07-02T09:00:00Z', { municipalityCode: '2281', arrangement: 'assigned' });
      await a.post(SUNDSVALL, s, 'SfiEnrolled', '2023-08-01T09:00:00Z', { studyPath: 1, course: 'A' });
      // Stockholm, never assigned the person nor registering them, claims them.
      const claimAt = '2024-01-15T09:00:00.000Z';
      await a.post(STOCKHOLM, s, 'SettledInMunicipality', claimAt, { municipalityCode: '0180', arrangement: 'self-arranged' });
      const claimant = await readAs(STOCKHOLM, `/v1/persons/${s}/timeline`);
      expect(claimant.status).toBe(200);
      expect(claimant.body.events.map((e: { type: string }) => e.type)).toEqual(['SettledInMunicipality']);
      for (const e of claimant.body.events) expect(Date.parse(e.time)).toBeGreaterThanOrEqual(Date.parse(claimAt));
      // Nor may it post about the time before its claim.
      const before = await postAs(STOCKHOLM, ce({ type: 'SfiCoursePassed', subject: s, source: sourceOf(STOCKHOLM), data: { course: 'A', grade: 'E' }, time: '2023-12-01T09:00:00Z' }));
      expect(before.status).toBe(422);
      expect(before.body.code).toBe('unknown-subject');
      // The municipality where the person is registered still holds and posts.
      await a.post(SUNDSVALL, s, 'SfiCoursePassed', '2024-02-01T09:00:00Z', { course: 'A', grade: 'C' });
      const holder = await readAs(SUNDSVALL, `/v1/persons/${s}/timeline`);
      expect(holder.body.events.map((e: { type: string }) => e.type)).toContain('SfiCoursePassed');
      expect(holder.body.summary).toMatchObject({ municipalityCode: '2281', movedAway: false });
      // The claim is an anomaly for the holding municipality and the county board.
      await app.kedja.runtime.projections!.waitUntilCaughtUp();
      const residents = await readAs(SUNDSVALL, '/v1/views/municipalities/2281/residents?limit=1000');
      const row = residents.body.items.find((i: { personId: string }) => i.personId === person.personId);
      expect(row).toMatchObject({ relation: 'resident', anomalies: ['settlement-without-assignment-or-registration'] });
      const stockholmResidents = await readAs(STOCKHOLM, '/v1/views/municipalities/0180/residents?limit=1000');
      expect(stockholmResidents.body.items.map((i: { personId: string }) => i.personId)).not.toContain(person.personId);
      const county = await readAs('county:22', '/v1/views/counties/22/overview');
      // One claim: listed, its count of one person withheld (disclosure control of aggregates).
      expect(county.body.anomalies).toContainEqual({ code: 'settlement-without-assignment-or-registration', municipalityCode: '2281', count: null, suppressed: true });
      const own = await readAs(SUNDSVALL, '/v1/views/counties/22/overview');
      expect(own.body.anomalies).toContainEqual({ code: 'settlement-without-assignment-or-registration', municipalityCode: '2281', count: null, suppressed: true });
      // Once Skatteverket registers the person in Stockholm, the ordinary rule applies.
      await a.post(SKV, s, 'MovedToMunicipality', '2024-03-01T09:00:00Z', { municipalityCode: '0180' });
      const registered = await readAs(STOCKHOLM, `/v1/persons/${s}/timeline`);
      expect(registered.body.events.map((e: { type: string }) => e.type)).toContain('SfiEnrolled');
    }, 60_000);

    it('a view states an assignment only to readers whose timeline shows it', async () => {
      const person = await a.openCase({ citizenship: 'AFG', birthYear: 1988 });
      await a.post(MV, person.subject, 'ResidencePermitGranted', '2023-06-01T09:00:00Z', { permitType: 'permanent', ground: 'refugee' });
      await a.post(SKV, person.subject, 'PopulationRegistered', '2023-07-01T09:00:00Z', { personalIdentityNumber: personnummer(1988), municipalityCode: '2262' });
      await a.post(MV, person.subject, 'MunicipalityAssigned', '2023-08-01T09:00:00Z', { municipalityCode: '2281' });
      await app.kedja.runtime.projections!.waitUntilCaughtUp();
      const listed = async (actor: string) => (await readAs(actor, '/v1/views/municipalities/2281/residents?limit=1000')).body.items
        .filter((i: { personId: string }) => i.personId === person.personId).map((i: { relation: string }) => i.relation);
      expect(await listed(MV)).toEqual(['assigned']);
      // The region sees no MunicipalityAssigned on its timeline: it is not told of the assignment.
      expect(await listed(REGION_VN)).toEqual([]);
      expect(await listed(SKV)).toEqual([]);
    }, 60_000);

    it("a late report that would break another municipality's later event names nothing of that event", async () => {
      // Sundsvall enrols the person in SFI B; they move to Timrå, which reports B passed. Sundsvall's
      // timeline stops at the move. Its late report that B was discontinued before the move would
      // leave Timrå's pass invalid: the refusal must not tell Sundsvall the pass's type or time.
      const { subject: person } = await a.openCase();
      await a.post(MV, person, 'ResidencePermitGranted', '2023-06-01T09:00:00Z', { permitType: 'temporary', ground: 'refugee' });
      await a.post(SKV, person, 'PopulationRegistered', '2023-07-01T09:00:00Z', { personalIdentityNumber: personnummer(1990), municipalityCode: '2281' });
      await a.post(SUNDSVALL, person, 'SfiEnrolled', '2023-08-01T09:00:00Z', { studyPath: 2, course: 'B' });
      await a.post(SKV, person, 'MovedToMunicipality', '2024-01-01T09:00:00Z', { municipalityCode: '2262' });
      await a.post(TIMRA, person, 'SfiCoursePassed', '2024-03-05T09:00:00Z', { course: 'B', grade: 'A' });
      const seen = await readAs(SUNDSVALL, `/v1/persons/${person}/timeline`);
      expect(seen.body.events.map((e: { type: string }) => e.type)).not.toContain('SfiCoursePassed');

      const late = ce({ type: 'SfiDiscontinued', subject: person, source: sourceOf(SUNDSVALL), time: '2023-10-01T09:00:00Z', data: { course: 'B', reason: 'work' } });
      const refused = await postAs(SUNDSVALL, late);
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 'rule-violation', detail: "SfiDiscontinued at this time would leave a later event in the person's record invalid" });
      expect(JSON.stringify(refused.body)).not.toMatch(/SfiCoursePassed|2024|enrolled/);
      // Timrå, which posted the pass, is told which event and why.
      const own = await postAs(TIMRA, ce({ type: 'SfiDiscontinued', subject: person, source: sourceOf(TIMRA), time: '2024-02-01T09:00:00Z', data: { course: 'B', reason: 'work' } }));
      expect(own.body).toMatchObject({ code: 'rule-violation', detail: expect.stringContaining('your later SfiCoursePassed of 2024-03-05') });
    });

    it('a move away hides the destination from the municipality left, not from the region that still holds', async () => {
      const left = await readAs(SUNDSVALL, `/v1/persons/${subject}/timeline`);
      expect(left.status).toBe(200);
      const move = left.body.events.find((e: { type: string }) => e.type === 'MovedToMunicipality');
      expect(move.data).toEqual({});
      expect(left.body.summary).toMatchObject({ municipalityCode: null, countyCode: null, movedAway: true });
      expect(JSON.stringify(left.body)).not.toContain('2262');
      const region = await readAs(REGION_VN, `/v1/persons/${subject}/timeline`);
      expect(region.body.events.find((e: { type: string }) => e.type === 'MovedToMunicipality').data).toEqual({ municipalityCode: '2262' });
      expect(region.body.summary).toMatchObject({ municipalityCode: '2262', movedAway: false });
    });
  });
});
