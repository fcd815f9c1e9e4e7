import { describeEachStore, startTestApp, type StoreKind, type TestApp } from '../support/test-app';
import { importHealthOnly, importPopulation } from './population';

interface Group {
  key: Record<string, unknown>;
  n: number;
  events: number;
  censored: number;
  median: number | null;
  medianCi: { lower: number | null; upper: number | null };
  curve: Array<{ day: number; atRisk: number; events: number; censored: number; survival: number }>;
  horizons: Array<{ day: number; share: number | null }>;
  cumulativeIncidence?: Array<{ cause: string; events: number; curve: Array<{ day: number; atRisk: number; events: number; incidence: number; stdErr: number; lower: number | null; upper: number | null }> }>;
}

const QUESTION = { from: 'ResidencePermitGranted', to: 'EmploymentStarted', cohort: { year: 2016 }, groupBy: 'gender' };

describeEachStore('POST /v1/analytics/time-to-event', (kind: StoreKind) => {
  let app: TestApp;
  let analyst: string;

  beforeAll(async () => {
    app = await startTestApp(kind, { KEDJA_PROJECTIONS_IN_PROCESS: 'true' });
    await importPopulation(app);
    await importHealthOnly(app);
    await app.kedja.runtime.projections!.waitUntilCaughtUp();
    analyst = await app.token('analyst', 'analyst', 'statistician');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  const ask = (body: unknown, token = analyst) =>
    app.http().post('/v1/analytics/time-to-event').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(JSON.stringify(body));

  const byGender = (groups: Group[]) => Object.fromEntries(groups.map((g) => [String(g.key.gender), g]));

  it('answers what was known on 31 December 2019: late reports of work not yet counted', async () => {
    const response = await ask({ ...QUESTION, asOf: '2019-12-31' });
    expect(response.status).toBe(200);
    expect(response.body.asOf).toBe('2019-12-31T23:59:59.999Z');
    const groups = response.body.groups as Group[];
    expect(groups.map((g) => g.key)).toEqual([{ gender: 'female' }, { gender: 'male' }]);
    const { female, male } = byGender(groups);
    // Women: work at 184, 365, 456; censored at 365 (closure), 1339 and 1429 (asOf).
    expect([female.n, female.events, female.censored, female.median]).toEqual([6, 3, 3, 456]);
    expect(female.curve.map((r) => [r.day, r.atRisk, r.events, r.censored])).toEqual([
      [184, 6, 1, 0],
      [365, 5, 1, 1],
      [456, 3, 1, 0],
      [1339, 2, 0, 1],
      [1429, 1, 0, 1],
    ]);
    expect(female.curve[2].survival).toBeCloseTo(4 / 9, 10);
    expect(female.horizons.map((h) => h.day)).toEqual([90, 365, 730]);
    expect(female.horizons[0].share).toBeCloseTo(0, 10);
    expect(female.horizons[1].share).toBeCloseTo(1 / 3, 10);
    expect(female.horizons[2].share).toBeCloseTo(5 / 9, 10);
    // Men: work at 91 and 365; censored at 457 (closure) and 1247 (asOf; the 2016 job was retracted).
    // S = ½ exactly from 365 to the end of follow-up, so the median is the midpoint (365 + 1247)/2
    // (R's quantile.survfit; libs/analytics README, "Quantiles").
    expect([male.n, male.events, male.censored, male.median]).toEqual([4, 2, 2, 806]);
    expect(male.curve.map((r) => [r.day, r.atRisk, r.events, r.censored])).toEqual([
      [91, 4, 1, 0],
      [365, 3, 1, 0],
      [457, 2, 0, 1],
      [1247, 1, 0, 1],
    ]);
    expect(male.horizons[1].share).toBeCloseTo(0.5, 10);
  });

  it('answers the same question today with the reports that came in 2020', async () => {
    const response = await ask(QUESTION);
    expect(response.status).toBe(200);
    expect(Math.abs(Date.parse(response.body.asOf as string) - Date.now())).toBeLessThan(60_000);
    const { female, male } = byGender(response.body.groups as Group[]);
    // F2's job reported in 2020 now counts at 153 days: half the women worked within a year.
    // S = ½ exactly from 365 until the next job at 456: the median is their midpoint.
    expect([female.n, female.events, female.censored, female.median]).toEqual([6, 4, 2, 410.5]);
    expect(female.curve.slice(0, 4).map((r) => [r.day, r.atRisk, r.events, r.censored])).toEqual([
      [153, 6, 1, 0],
      [184, 5, 1, 0],
      [365, 4, 1, 1],
      [456, 2, 1, 0],
    ]);
    expect(female.curve[2].survival).toBeCloseTo(0.5, 10);
    // M3's job of 2019, reported in 2020, ends his episode at 914 days.
    // S = ½ from 365 until that job at 914: the median is (365 + 914)/2.
    expect([male.n, male.events, male.censored, male.median]).toEqual([4, 3, 1, 639.5]);
    expect(male.curve.map((r) => [r.day, r.atRisk, r.events, r.censored])).toEqual([
      [91, 4, 1, 0],
      [365, 3, 1, 0],
      [457, 2, 0, 1],
      [914, 1, 1, 0],
    ]);
  });

  it('excludes a retracted event from the moment it is retracted, and not before', async () => {
    const before = await ask({ ...QUESTION, cohort: { year: 2016, gender: 'male' }, groupBy: undefined, asOf: '2016-10-20T12:00:00+02:00' });
    expect(before.status).toBe(200);
    expect(before.body.groups).toHaveLength(1);
    const then = before.body.groups[0] as Group;
    expect(then.key).toEqual({});
    // Known on 20 October 2016: M1 worked at 91, M3 (wrongly) at 61; M2 and M5 still waiting.
    expect(then.curve.map((r) => [r.day, r.events, r.censored])).toEqual([
      [19, 0, 1],
      [61, 1, 0],
      [91, 1, 0],
      [111, 0, 1],
    ]);
    const after = await ask({ from: 'ResidencePermitGranted', to: 'EmploymentStarted', cohort: { year: 2016, gender: 'male' } });
    expect(after.status).toBe(200);
    expect((after.body.groups[0] as Group).curve.map((r) => r.day)).not.toContain(61);
  });

  it('takes several `to` types, cohorts of lists, several groupBy attributes and horizons', async () => {
    const response = await ask({
      from: 'ResidencePermitGranted',
      to: ['EmploymentStarted', 'BusinessStarted'],
      cohort: { year: [2016, 2017], countyCode: ['22', '01'] },
      groupBy: ['countyCode', 'gender'],
      horizons: [100, 200],
    });
    expect(response.status).toBe(200);
    // Only H (permit 2017, registered in Sundsvall) has a municipality at all.
    expect((response.body.groups as Group[]).map((g) => [g.key, g.n, g.events])).toEqual([[{ countyCode: '22', gender: 'female' }, 1, 0]]);
    const all = await ask({ from: 'ResidencePermitGranted', to: ['EmploymentStarted', 'BusinessStarted'], groupBy: ['year'], horizons: [100, 200] });
    expect(all.status).toBe(200);
    const groups = all.body.groups as Group[];
    expect(groups.map((g) => [g.key.year, g.n])).toEqual([
      [2015, 1],
      [2016, 10],
      [2017, 1],
    ]);
    expect(groups[1].horizons.map((h) => h.day)).toEqual([100, 200]);
  });

  it('is refused (403) to everyone but analysts of actor analyst', async () => {
    const refused: Array<[string, 'integration' | 'caseworker' | 'analyst' | 'admin']> = [
      ['county:22', 'caseworker'],
      ['municipality:2281', 'caseworker'],
      ['arbetsformedlingen', 'caseworker'],
      ['arbetsformedlingen', 'integration'],
      ['platform', 'admin'],
      ['analyst', 'caseworker'],
    ];
    for (const [actor, role] of refused) {
      const response = await ask(QUESTION, await app.token(actor, role));
      expect({ actor, role, status: response.status, code: response.body.code }).toEqual({ actor, role, status: 403, code: 'not-permitted' });
    }
    const anonymous = await app.http().post('/v1/analytics/time-to-event').send(QUESTION);
    expect(anonymous.status).toBe(401);
  });

  it('names every bad field of a bad body (400 invalid-request), never a 500', async () => {
    const response = await ask({
      from: 'Bogus',
      to: ['EmploymentStarted', 'Nope'],
      cohort: { planet: 'Mars', gender: 'other', year: '2016', municipalityCode: '9999' },
      groupBy: ['shoeSize'],
      asOf: 'yesterday',
      horizons: [-1, 'x'],
      extra: 1,
    });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.code).toBe('invalid-request');
    const paths = (response.body.errors as Array<{ path: string }>).map((e) => e.path).sort();
    expect(paths).toEqual(
      ['extra', 'from', 'to[1]', 'cohort.planet', 'cohort.gender', 'cohort.year', 'cohort.municipalityCode', 'groupBy[0]', 'asOf', 'horizons[0]', 'horizons[1]'].sort(),
    );
  });

  it.each([
    ['missing from and to', {}, ['from', 'to']],
    ['a health fact as the clock', { from: 'HealthExaminationCompleted', to: 'EmploymentStarted' }, ['from']],
    ['a retraction as the clock', { from: 'ResidencePermitGranted', to: 'EventRetracted' }, ['to']],
    ['an empty to list', { from: 'ResidencePermitGranted', to: [] }, ['to']],
    ['a future asOf', { ...QUESTION, asOf: '2999-01-01T00:00:00Z' }, ['asOf']],
    ['an impossible date', { ...QUESTION, asOf: '2019-02-30' }, ['asOf']],
    ['asOf without an offset', { ...QUESTION, asOf: '2019-12-31T00:00:00' }, ['asOf']],
    ['asOf as a number', { ...QUESTION, asOf: 20191231 }, ['asOf']],
    ['cohort not an object', { ...QUESTION, cohort: ['year'] }, ['cohort']],
    ['an empty cohort list', { ...QUESTION, cohort: { gender: [] } }, ['cohort.gender']],
    ['a bad value in a cohort list', { ...QUESTION, cohort: { ageBand: ['20-24', '20-25'] } }, ['cohort.ageBand[1]']],
    ['groupBy not a string', { ...QUESTION, groupBy: 3 }, ['groupBy']],
    ['horizons not a list', { ...QUESTION, horizons: 90 }, ['horizons']],
    ['a fractional horizon', { ...QUESTION, horizons: [90.5] }, ['horizons[0]']],
    ['competing not a list', { ...QUESTION, competing: 'left-sweden' }, ['competing']],
    ['an empty competing list', { ...QUESTION, competing: [] }, ['competing']],
    ['an unknown competing cause', { ...QUESTION, competing: ['left-sweden', 'moved-to-mars'] }, ['competing[1]']],
    ['a health fact as a competing cause', { ...QUESTION, competing: ['HealthExaminationCompleted'] }, ['competing[0]']],
    ['a competing cause that is the event', { ...QUESTION, competing: ['EmploymentStarted'] }, ['competing[0]']],
    ['a competing cause listed twice', { ...QUESTION, competing: ['left-sweden', 'left-sweden'] }, ['competing[1]']],
    ['any closure as a competing cause', { ...QUESTION, competing: ['MigrationCaseClosed'] }, ['competing[0]']],
  ])('400 for %s', async (_name, body, expected) => {
    const response = await ask(body);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('invalid-request');
    expect((response.body.errors as Array<{ path: string }>).map((e) => e.path).sort()).toEqual([...expected].sort());
  });

  it('gives cumulative incidences when people can leave in other ways (leaving Sweden competes with work)', async () => {
    const response = await ask({ ...QUESTION, asOf: '2019-12-31', competing: ['left-sweden'] });
    expect(response.status).toBe(200);
    const { female, male } = byGender(response.body.groups as Group[]);
    for (const g of [female, male]) {
      expect(g.cumulativeIncidence!.map((c) => c.cause)).toEqual(['to', 'left-sweden']);
      const [work, left] = g.cumulativeIncidence!;
      // The closures of the population are departures from Sweden: what censored now competes.
      expect(work.events).toBe(g.events);
      expect(left.events).toBe(1);
      const last = work.curve.length - 1;
      expect(work.curve[last].incidence + left.curve[last].incidence).toBeLessThanOrEqual(1);
      expect(work.curve[last].lower!).toBeLessThanOrEqual(work.curve[last].incidence);
    }
    // Women: work at 184 (1 of 6), then leaving Sweden at 365 along with a job there.
    expect(female.cumulativeIncidence![0].curve[0]).toMatchObject({ day: 184, atRisk: 6, events: 1 });
    expect(female.cumulativeIncidence![0].curve[0].incidence).toBeCloseTo(1 / 6, 12);
  });

  it('compares the groups by the log-rank test when grouped, and not otherwise', async () => {
    const grouped = await ask({ ...QUESTION, asOf: '2019-12-31' });
    expect(grouped.body.logRank).toMatchObject({ df: 1, observed: [3, 2] });
    expect(grouped.body.logRank.chiSquare).toBeGreaterThanOrEqual(0);
    expect(grouped.body.logRank.p).toBeGreaterThan(0);
    expect(grouped.body.logRank.p).toBeLessThanOrEqual(1);
    const { groupBy: _, ...ungrouped } = QUESTION;
    expect((await ask(ungrouped)).body.logRank).toBeUndefined();
  });

  it('400 for a body that is not a JSON object', async () => {
    for (const body of ['[1, 2]', '"text"', '{"from": ']) {
      const response = await app.http().post('/v1/analytics/time-to-event').set('Authorization', `Bearer ${analyst}`).set('Content-Type', 'application/json').send(body);
      expect(response.status).toBe(400);
      expect(response.body.type).toMatch(/^urn:kedja:problem:/);
    }
  });
});

describe('POST /v1/analytics/time-to-event on an empty store', () => {
  it('answers one empty group', async () => {
    const app = await startTestApp('sqlite');
    try {
      const token = await app.token('analyst', 'analyst');
      const response = await app.http().post('/v1/analytics/time-to-event').set('Authorization', `Bearer ${token}`).send({ from: 'ResidencePermitGranted', to: 'EmploymentStarted' });
      expect(response.status).toBe(200);
      expect(response.body.groups).toHaveLength(1);
      expect(response.body.groups[0]).toMatchObject({ key: {}, n: 0, events: 0, censored: 0, median: null });
    } finally {
      await app.close();
    }
  });
});
