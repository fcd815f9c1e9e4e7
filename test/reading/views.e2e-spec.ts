import { visibleFields, type ActorKind } from '@kedja/access';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { personnummer } from '../support/events';
import { AF, Agencies, FK, MV, REGION_VN, SKV, STOCKHOLM, SUNDSVALL, TIMRA } from './scenario';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();
const dateIn = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

interface Cast {
  waiting: string;
  noSfi: string;
  participant: string;
  ending: string;
  moved: string;
  retracted: string;
}

/**
 * A multi-agency scenario, dated relative to today so the thresholds keep meaning the same:
 * - waiting: permit 120 days ago, assigned to Sundsvall 90 days ago, not settled;
 * - noSfi: settled (assigned) in Sundsvall 450 days ago, nothing since;
 * - participant: self-settled in Sundsvall, SFI, civic orientation, programme, allowance, internship;
 * - ending: programme ends in 30 days, SFI passed and civic orientation completed long ago;
 * - moved: self-settled in Sundsvall, moved to Stockholm 100 days ago;
 * - retracted: assigned to Timrå; Sundsvall reported a settlement and retracted it; AF reports work.
 */
async function cast(a: Agencies): Promise<Cast> {
  const person = async (opened: number) => (await a.openCase({ birthYear: 1990 }, daysAgo(opened))).subject;
  const reg = async (s: string, code: string, at: number) =>
    a.post(SKV, s, 'PopulationRegistered', daysAgo(at), { personalIdentityNumber: personnummer(1990), municipalityCode: code });
  const permit = (s: string, at: number) => a.post(MV, s, 'ResidencePermitGranted', daysAgo(at), { permitType: 'temporary', ground: 'refugee' });
  const settle = (s: string, at: number, arrangement: string) => a.post(SUNDSVALL, s, 'SettledInMunicipality', daysAgo(at), { municipalityCode: '2281', arrangement });

  const waiting = await person(300);
  await permit(waiting, 120);
  await a.post(MV, waiting, 'MunicipalityAssigned', daysAgo(90), { municipalityCode: '2281' });

  const noSfi = await person(700);
  await permit(noSfi, 500);
  await a.post(MV, noSfi, 'MunicipalityAssigned', daysAgo(480), { municipalityCode: '2281' });
  await reg(noSfi, '2281', 450);
  await settle(noSfi, 450, 'assigned');

  const participant = await person(600);
  await permit(participant, 400);
  await reg(participant, '2281', 380);
  await settle(participant, 380, 'self-arranged');
  await a.post(SUNDSVALL, participant, 'SfiEnrolled', daysAgo(350), { studyPath: 2, course: 'B' });
  await a.post(SUNDSVALL, participant, 'CivicOrientationStarted', daysAgo(340), { language: 'ar', plannedHours: 100 });
  await a.post(AF, participant, 'EstablishmentProgrammeStarted', daysAgo(330), { plannedEndDate: dateIn(300) });
  await a.post(FK, participant, 'EstablishmentAllowanceGranted', daysAgo(325), { extentPercent: 100 });
  await a.post(REGION_VN, participant, 'HealthExaminationOffered', daysAgo(320));
  await a.post(AF, participant, 'InternshipStarted', daysAgo(20), { occupation: '5321', sector: 'private' });

  const ending = await person(800);
  await permit(ending, 720);
  await a.post(MV, ending, 'MunicipalityAssigned', daysAgo(710), { municipalityCode: '2281' });
  await reg(ending, '2281', 700);
  await settle(ending, 700, 'assigned');
  await a.post(SUNDSVALL, ending, 'SfiEnrolled', daysAgo(690), { studyPath: 3, course: 'C' });
  await a.post(SUNDSVALL, ending, 'SfiCoursePassed', daysAgo(680), { course: 'C', grade: 'B' });
  await a.post(SUNDSVALL, ending, 'CivicOrientationStarted', daysAgo(690), { language: 'ti', plannedHours: 100 });
  await a.post(SUNDSVALL, ending, 'CivicOrientationCompleted', daysAgo(675), { hours: 100 });
  await a.post(AF, ending, 'EstablishmentProgrammeStarted', daysAgo(670), { plannedEndDate: dateIn(30) });

  const moved = await person(600);
  await permit(moved, 500);
  await reg(moved, '2281', 480);
  await settle(moved, 480, 'self-arranged');
  await a.post(SKV, moved, 'MovedToMunicipality', daysAgo(100), { municipalityCode: '0180' });

  const retracted = await person(400);
  await permit(retracted, 200);
  await a.post(MV, retracted, 'MunicipalityAssigned', daysAgo(180), { municipalityCode: '2262' });
  const settled = await settle(retracted, 150, 'self-arranged');
  await a.post(AF, retracted, 'EmploymentStarted', daysAgo(50), { occupation: '5321', form: 'regular' });
  await a.retract(SUNDSVALL, retracted, settled, daysAgo(40));

  return { waiting, noSfi, participant, ending, moved, retracted };
}

describeEachStore('views', (kind) => {
  let app: TestApp;
  let a: Agencies;
  const ids: Record<keyof Cast, string> = {} as Record<keyof Cast, string>;

  beforeAll(async () => {
    app = await startTestApp(kind, { KEDJA_PROJECTIONS_IN_PROCESS: 'true' });
    a = new Agencies(app);
    const subjects = await cast(a);
    const mv = await a.token(MV, 'caseworker');
    for (const [name, subject] of Object.entries(subjects)) {
      const found = await app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${mv}`).send({ subject });
      ids[name as keyof Cast] = found.body.personId;
    }
    await app.kedja.runtime.projections!.waitUntilCaughtUp();
  }, 180_000);
  afterAll(() => app?.close());

  const view = async (path: string, actor: string, role: 'caseworker' | 'analyst' | 'admin' = 'caseworker', sub = 'viewer') => a.get(path, await a.token(actor, role, sub));
  const people = (body: { items: { personId: string }[] }) => body.items.map((i) => i.personId).sort();
  const named = (...names: (keyof Cast)[]) => names.map((n) => ids[n]).sort();

  describe('settlement-queue', () => {
    it('lists people with a permit who are not settled, a retracted settlement putting them back', async () => {
      const response = await view('/v1/views/settlement-queue', MV);
      expect(response.status).toBe(200);
      expect(people(response.body)).toEqual(named('waiting', 'retracted'));
      expect(response.body.nextCursor).toBeNull();
      // Longest wait first.
      expect(response.body.items[0]).toEqual({
        personId: ids.retracted, permitDate: daysAgo(200).slice(0, 10), permitType: 'temporary', daysWaiting: 200,
        assignedMunicipalityCode: '2262', assignmentDate: daysAgo(180).slice(0, 10), receptionHousing: null, municipalityCode: null,
      });
      expect(response.body.items[1]).toMatchObject({ personId: ids.waiting, daysWaiting: 120, assignedMunicipalityCode: '2281' });
    });

    it('gives a municipality the people assigned to it only', async () => {
      expect(people((await view('/v1/views/settlement-queue', SUNDSVALL)).body)).toEqual(named('waiting'));
      expect(people((await view('/v1/views/settlement-queue', TIMRA)).body)).toEqual(named('retracted'));
      expect(people((await view('/v1/views/settlement-queue', STOCKHOLM)).body)).toEqual([]);
    });

    it('refuses readers that do not see permits, and analysts and county boards', async () => {
      for (const [actor, role] of [[SKV, 'caseworker'], [REGION_VN, 'caseworker'], ['county:22', 'caseworker'], ['analyst', 'analyst'], [FK, 'caseworker']] as const) {
        expect((await view('/v1/views/settlement-queue', actor, role)).status).toBe(403);
      }
    });

    it('audits each listed person', async () => {
      await view('/v1/views/settlement-queue', SUNDSVALL, 'caseworker', 'queue-reader');
      const audit = await view(`/v1/audit?subject=person:${ids.waiting}`, 'platform', 'admin');
      expect(audit.body.items).toEqual(expect.arrayContaining([
        expect.objectContaining({ sub: 'queue-reader', actor: SUNDSVALL, action: 'view:settlement-queue', route: 'GET /v1/views/settlement-queue' }),
      ]));
      const other = await view(`/v1/audit?subject=person:${ids.retracted}`, 'platform', 'admin');
      expect(other.body.items.filter((i: { sub: string }) => i.sub === 'queue-reader')).toEqual([]);
    });
  });

  describe('establishment', () => {
    it('lists active participants with their current activities, nearest end first', async () => {
      const response = await view('/v1/views/establishment', AF);
      expect(response.status).toBe(200);
      expect(response.body.items.map((i: { personId: string }) => i.personId)).toEqual([ids.ending, ids.participant]);
      const [ending, participant] = response.body.items;
      expect(ending).toMatchObject({ plannedEndDate: dateIn(30), daysLeft: 30, activities: [] });
      expect(participant.municipalityCode).toBe('2281');
      expect(participant.activities.map((x: { kind: string }) => x.kind)).toEqual(['sfi', 'civic-orientation', 'internship']);
      expect(participant.activities[2]).toMatchObject({ kind: 'internship', occupation: '5321', sector: 'private' });
    });

    it('shows Försäkringskassan the participants without the activities it may not see', async () => {
      const response = await view('/v1/views/establishment', FK);
      expect(people(response.body)).toEqual(named('ending', 'participant'));
      for (const item of response.body.items) expect(item.activities).toEqual([]);
      expect((await view('/v1/views/establishment', MV)).status).toBe(403);
      expect((await view('/v1/views/establishment', STOCKHOLM)).body.items).toEqual([]);
    });
  });

  describe('municipality residents', () => {
    it("lists the municipality's people and the status of each step", async () => {
      const response = await view('/v1/views/municipalities/2281/residents', SUNDSVALL);
      expect(response.status).toBe(200);
      expect(people(response.body)).toEqual(named('waiting', 'noSfi', 'participant', 'ending'));
      const byId = Object.fromEntries(response.body.items.map((i: { personId: string }) => [i.personId, i]));
      expect(byId[ids.waiting]).toMatchObject({ relation: 'assigned', settledAt: null });
      expect(byId[ids.participant]).toMatchObject({
        relation: 'resident', arrangement: 'self-arranged',
        steps: { sfi: { status: 'enrolled', course: 'B' }, civicOrientation: { status: 'started' }, programme: { status: 'active' }, internship: { status: 'active' }, work: { status: 'none' } },
      });
      expect(byId[ids.ending].steps).toMatchObject({ sfi: { status: 'passed', grade: 'B' }, civicOrientation: { status: 'completed' } });
    });

    it('limits a municipality to its own code, and hides the steps a national agency may not see', async () => {
      expect((await view('/v1/views/municipalities/2281/residents', STOCKHOLM)).status).toBe(403);
      const stockholm = await view('/v1/views/municipalities/0180/residents', STOCKHOLM);
      expect(people(stockholm.body)).toEqual(named('moved'));
      const mv = await view('/v1/views/municipalities/0180/residents', MV);
      expect(people(mv.body)).toEqual(named('moved'));
      expect(mv.body.items[0].steps).toEqual({ sfi: null, civicOrientation: null, programme: null, internship: null, work: null });
      expect((await view('/v1/views/municipalities/9999/residents', MV)).status).toBe(400);
      expect((await view('/v1/views/municipalities/2281/residents', 'county:22')).status).toBe(403);
    });
  });

  describe('chain-gaps', () => {
    it('lists the open hand-offs past their threshold in the caller scope, oldest first', async () => {
      const response = await view('/v1/views/chain-gaps?limit=1000', SUNDSVALL);
      expect(response.status).toBe(200);
      const gaps = response.body.items.map((g: { personId: string; gap: string }) => `${Object.entries(ids).find(([, id]) => id === g.personId)![0]}:${g.gap}`).sort();
      expect(gaps).toEqual([
        'ending:programme-ending-without-outcome',
        'ending:programme-without-activity',
        'noSfi:settlement-to-civic-orientation',
        'noSfi:settlement-to-programme',
        'noSfi:settlement-to-sfi',
        'waiting:assignment-to-settlement',
        'waiting:permit-to-settlement',
      ]);
      const since = response.body.items.map((g: { since: string }) => g.since);
      expect(response.body.items.find((g: { gap: string }) => g.gap === 'permit-to-settlement')).toMatchObject({ daysOpen: 120, municipalityCode: '2281' });
      expect(response.body.items.find((g: { gap: string }) => g.gap === 'programme-ending-without-outcome').daysOpen).toBe(30);
      expect(since.length).toBe(7);
    });

    it('pages with a cursor through exactly the same list', async () => {
      const all = (await view('/v1/views/chain-gaps', SUNDSVALL)).body.items;
      const paged: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const response = await view(`/v1/views/chain-gaps?limit=3${cursor ? `&cursor=${cursor}` : ''}`, SUNDSVALL);
        expect(response.status).toBe(200);
        paged.push(...response.body.items);
        cursor = response.body.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(paged).toEqual(all);
    });

    it('shows a national agency only the gaps built from facts it sees', async () => {
      const response = await view('/v1/views/chain-gaps', MV);
      const gaps = response.body.items.map((g: { gap: string }) => g.gap).sort();
      expect(gaps).toEqual(['assignment-to-settlement', 'assignment-to-settlement', 'permit-to-settlement', 'permit-to-settlement']);
      expect((await view('/v1/views/chain-gaps?gap=settlement-to-sfi', MV)).status).toBe(403);
      expect((await view('/v1/views/chain-gaps?gap=nonsense', MV)).status).toBe(400);
      expect((await view('/v1/views/chain-gaps', SKV)).status).toBe(403);
    });
  });

  describe('county overview', () => {
    it('aggregates per municipality of the county, with anomalies for the county board', async () => {
      const response = await view('/v1/views/counties/22/overview', 'county:22');
      expect(response.status).toBe(200);
      expect(response.body.countyCode).toBe('22');
      const sundsvall = response.body.municipalities.find((m: { municipalityCode: string }) => m.municipalityCode === '2281');
      // Disclosure control (KEDJA_MIN_CELL 5): the 5 people are published; the 4 received (2
      // assigned, 2 self-arranged), the 3 assigned, the medians of 4 and the 7 gaps of 3 people are not.
      expect(response.body.disclosure).toEqual({ minCell: 5 });
      expect(sundsvall).toEqual({
        municipalityCode: '2281', name: 'Sundsvall', people: 5,
        received: { total: null, assigned: null, selfArranged: null }, assigned: null,
        medianDays: { permitToSettlement: null, settlementToSfi: null, settlementToWork: null },
        openGaps: null,
        suppressed: true,
        suppressedFields: ['received.total', 'received.assigned', 'received.selfArranged', 'assigned', 'medianDays.permitToSettlement', 'medianDays.settlementToSfi', 'openGaps'],
      });
      const timra = response.body.municipalities.find((m: { municipalityCode: string }) => m.municipalityCode === '2262');
      expect(timra).toMatchObject({ people: null, received: { total: 0 }, assigned: null, openGaps: null, suppressed: true });
      expect(response.body.anomalies).toEqual([{ code: 'work-without-settlement', municipalityCode: '2262', count: null, suppressed: true }]);
      expect(JSON.stringify(response.body)).not.toContain(ids.waiting);
    });

    it('scopes the overview: a municipality its own row, another county 403, analysts 403', async () => {
      const own = await view('/v1/views/counties/22/overview', SUNDSVALL);
      expect(own.body.municipalities.map((m: { municipalityCode: string }) => m.municipalityCode)).toEqual(['2281']);
      // A municipality is shown only settlement claims about people it holds (none here), not the county's anomalies.
      expect(own.body.anomalies).toEqual([]);
      expect((await view('/v1/views/counties/22/overview', 'county:01')).status).toBe(403);
      expect((await view('/v1/views/counties/22/overview', 'analyst', 'analyst')).status).toBe(403);
      expect((await view('/v1/views/counties/99/overview', MV)).status).toBe(400);
      // The anomaly is work without a settlement: Migrationsverket sees no labour, AF does.
      expect((await view('/v1/views/counties/22/overview', MV)).body.anomalies).toEqual([]);
      expect((await view('/v1/views/counties/22/overview', AF)).body.anomalies).toHaveLength(1);
    });

    // Amendments v1.1 "Views show only facts the caller may see": a median settlement→SFI states
    // SFI enrolments; a region's timeline shows none, so it must not get one from the aggregate.
    it('nulls, and lists in `hidden`, each column resting on events the reader may not see, per actor kind', async () => {
      const shows = (actor: string, ...types: string[]) => types.every((t) => visibleFields(actor.split(':')[0] as ActorKind, t) !== null);
      // The county board keeps every column, so its row is what a reader who may see a column gets
      // (as disclosure control leaves it: these small numbers are withheld for everyone alike).
      const board = (await view('/v1/views/counties/22/overview', 'county:22')).body.municipalities.find((m: { municipalityCode: string }) => m.municipalityCode === '2281');
      for (const actor of [REGION_VN, SUNDSVALL, MV, SKV, AF, FK]) {
        const response = await view('/v1/views/counties/22/overview', actor);
        expect(response.status).toBe(200);
        const row = response.body.municipalities.find((m: { municipalityCode: string }) => m.municipalityCode === '2281');
        const expected = {
          received: shows(actor, 'SettledInMunicipality') ? board.received : null,
          assigned: shows(actor, 'MunicipalityAssigned') ? board.assigned : null,
          medianDays: {
            permitToSettlement: shows(actor, 'ResidencePermitGranted', 'SettledInMunicipality') ? board.medianDays.permitToSettlement : null,
            settlementToSfi: shows(actor, 'SettledInMunicipality', 'SfiEnrolled') ? board.medianDays.settlementToSfi : null,
            settlementToWork: null,
          },
        };
        expect([actor, row]).toMatchObject([actor, expected]);
        const hidden = [
          ...(shows(actor, 'SettledInMunicipality') ? [] : ['received']),
          ...(shows(actor, 'MunicipalityAssigned') ? [] : ['assigned']),
          ...(shows(actor, 'ResidencePermitGranted', 'SettledInMunicipality') ? [] : ['medianDays.permitToSettlement']),
          ...(shows(actor, 'SettledInMunicipality', 'SfiEnrolled') ? [] : ['medianDays.settlementToSfi']),
          ...(shows(actor, 'SettledInMunicipality', 'EmploymentStarted') ? [] : ['medianDays.settlementToWork']),
        ];
        expect([actor, response.body.hidden.filter((c: string) => c !== 'openGaps')]).toEqual([actor, hidden]);
        expect([actor, row.openGaps === null]).toEqual([actor, response.body.hidden.includes('openGaps') || board.openGaps === null]);
        // A hidden column is named in `hidden` only, never among the row's withheld small numbers.
        for (const field of row.suppressedFields ?? []) expect([actor, response.body.hidden.some((h: string) => field === h || field.startsWith(`${h}.`))]).toEqual([actor, false]);
      }
      // The region sees neither SFI nor labour nor permits: nothing of those reaches it.
      const region = await view('/v1/views/counties/22/overview', REGION_VN);
      expect(region.body.hidden).toEqual(expect.arrayContaining(['medianDays.settlementToSfi', 'medianDays.settlementToWork', 'openGaps']));
      // The county board keeps every column: the aggregates of its county are its own.
      expect((await view('/v1/views/counties/22/overview', 'county:22')).body.hidden).toEqual([]);
    });
  });
});
