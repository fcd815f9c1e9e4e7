import { buildEpisode } from '../episodes/episode';
import { kaplanMeier } from '../kaplan-meier/kaplan-meier';
import { closed, employed, event, opened, permit, person, retraction, settled } from '../testing/histories';
import type { PersonHistory } from '../types';
import { compareAsOf } from './compare-as-of';
import { timeToEvent, TimeToEventAccumulator } from './time-to-event';

const NOW = '2025-01-01T00:00:00Z';
const QUERY = { from: 'ResidencePermitGranted', to: 'EmploymentStarted' };

function resident(gender: string, municipality: string, permitTime: string, jobTime?: string, extra: PersonHistory['events'] = []) {
  return person(
    opened('2015-06-01T00:00:00Z', { gender, birthYear: 1985 }),
    permit(permitTime),
    settled('2016-09-01T00:00:00Z', municipality),
    ...(jobTime ? [employed(jobTime)] : []),
    ...extra,
  );
}

const population: PersonHistory[] = [
  resident('female', '2281', '2016-03-01T00:00:00Z', '2017-03-01T00:00:00Z'),
  resident('female', '2281', '2016-04-01T00:00:00Z'),
  resident('female', '0180', '2016-05-01T00:00:00Z', '2016-07-30T00:00:00Z'),
  resident('male', '0180', '2016-03-01T00:00:00Z', '2016-05-30T00:00:00Z'),
  resident('male', '2281', '2016-06-01T00:00:00Z', '2018-06-01T00:00:00Z'),
  resident('male', '1480', '2017-02-01T00:00:00Z', '2017-08-01T00:00:00Z'),
  resident('male', '1480', '2016-08-01T00:00:00Z', undefined, [closed('2017-01-01T00:00:00Z')]),
  person(opened('2015-06-01T00:00:00Z')),
];

describe('timeToEvent', () => {
  it('gives one group with the contract fields when there is no groupBy', async () => {
    const { groups, asOf } = await timeToEvent(population, QUERY, NOW);
    expect(asOf).toBe(NOW);
    expect(groups).toHaveLength(1);
    const [g] = groups;
    expect(Object.keys(g).sort()).toEqual(['censored', 'curve', 'events', 'horizons', 'key', 'median', 'medianCi', 'n'].sort());
    expect(g).toMatchObject({ key: {}, n: 7, events: 5, censored: 2 });
    expect(g.horizons.map((h) => h.day)).toEqual([90, 365, 730]);
    expect(Object.keys(g.curve[0])).toEqual(expect.arrayContaining(['day', 'atRisk', 'events', 'censored', 'survival']));
  });

  it('estimates exactly the Kaplan–Meier curve of the episodes', async () => {
    const expected = kaplanMeier(
      population.flatMap((h) => {
        const ep = buildEpisode(h, QUERY, NOW);
        return ep ? [{ time: ep.days, event: ep.event }] : [];
      }),
    );
    const [g] = (await timeToEvent(population, QUERY, NOW)).groups;
    expect(g.curve).toEqual(expected.curve);
    expect(g.median).toBe(expected.median);
    expect(g.medianCi).toEqual(expected.medianCi);
  });

  it('filters the cohort on the start year and any attribute, one value or a list', async () => {
    const of2016 = await timeToEvent(population, { ...QUERY, cohort: { year: 2016 } }, NOW);
    expect(of2016.groups[0].n).toBe(6);
    const women = await timeToEvent(population, { ...QUERY, cohort: { year: [2016, 2017], gender: 'female', countyCode: ['22'] } }, NOW);
    expect(women.groups[0]).toMatchObject({ n: 2, events: 1, censored: 1 });
    const ages = await timeToEvent(population, { ...QUERY, cohort: { ageBand: '25-34' } }, NOW);
    expect(ages.groups[0].n).toBe(7);
  });

  it('groups by one or several attributes, in a stable order', async () => {
    const byGender = await timeToEvent(population, { ...QUERY, groupBy: 'gender' }, NOW);
    expect(byGender.groups.map((g) => [g.key, g.n, g.events])).toEqual([
      [{ gender: 'female' }, 3, 2],
      [{ gender: 'male' }, 4, 3],
    ]);
    const byTwo = await timeToEvent(population, { ...QUERY, groupBy: ['gender', 'municipalityCode'] }, NOW);
    expect(byTwo.groups.map((g) => g.key)).toEqual([
      { gender: 'female', municipalityCode: '0180' },
      { gender: 'female', municipalityCode: '2281' },
      { gender: 'male', municipalityCode: '0180' },
      { gender: 'male', municipalityCode: '1480' },
      { gender: 'male', municipalityCode: '2281' },
    ]);
    const male1480 = byTwo.groups[3];
    expect(male1480).toMatchObject({ n: 2, events: 1, censored: 1 });
    // The 1480 man without work was censored at his case closure, 153 days after the permit.
    expect(male1480.curve.find((r) => r.censored === 1)?.day).toBe(153);
  });

  it('puts people with an unknown attribute in their own group, last', async () => {
    const h = [...population, person(permit('2016-01-01T00:00:00Z'))];
    const { groups } = await timeToEvent(h, { ...QUERY, groupBy: 'gender' }, NOW);
    expect(groups.at(-1)).toMatchObject({ key: { gender: null }, n: 1 });
  });

  it('reads async iterables the same as arrays', async () => {
    async function* stream() {
      for (const h of population) yield h;
    }
    expect(await timeToEvent(stream(), { ...QUERY, groupBy: 'gender' }, NOW)).toEqual(
      await timeToEvent(population, { ...QUERY, groupBy: 'gender' }, NOW),
    );
  });

  it('returns one empty group when nobody qualifies', async () => {
    const { groups } = await timeToEvent([], QUERY, NOW);
    expect(groups).toEqual([
      { key: {}, n: 0, events: 0, censored: 0, median: null, medianCi: { lower: null, upper: null }, curve: [], horizons: [90, 365, 730].map((day) => ({ day, share: null })) },
    ]);
  });

  it('rejects unknown attributes and bad horizons instead of ignoring them', () => {
    expect(() => new TimeToEventAccumulator({ ...QUERY, groupBy: 'citizenship' }, NOW)).toThrow(RangeError);
    expect(() => new TimeToEventAccumulator({ ...QUERY, cohort: { dossier: 'x' } as never }, NOW)).toThrow(RangeError);
    expect(() => new TimeToEventAccumulator({ ...QUERY, horizons: [-1] }, NOW)).toThrow(RangeError);
    expect(() => new TimeToEventAccumulator({ ...QUERY, asOf: 'yesterday' }, NOW)).toThrow(RangeError);
  });
});

describe('as-of replay', () => {
  // Two people granted permits in 2016. Arbetsförmedlingen reports the first one's job in 2019,
  // but only learns of it in March 2020; the second one's job is retracted in January 2020.
  const retractedJob = employed('2017-02-01T00:00:00Z');
  const histories = [
    person(permit('2016-03-01T00:00:00Z'), employed('2019-06-01T00:00:00Z', { recordedTime: '2020-03-01T00:00:00Z' })),
    person(permit('2016-03-01T00:00:00Z'), retractedJob, retraction(retractedJob, '2020-01-10T00:00:00Z')),
    person(permit('2016-03-01T00:00:00Z'), employed('2016-09-01T00:00:00Z')),
    person(permit('2020-02-01T00:00:00Z', { recordedTime: '2020-02-03T00:00:00Z' })),
  ];
  const A = '2019-12-31T23:59:59+01:00';
  const B = '2020-12-31T23:59:59+01:00';

  it('answers what was known then, and a late report changes the answer', async () => {
    const then = await timeToEvent(histories, { ...QUERY, asOf: A }, NOW);
    const later = await timeToEvent(histories, { ...QUERY, asOf: B }, NOW);
    expect(then.asOf).toBe(A);
    expect(then.groups[0]).toMatchObject({ n: 3, events: 2, censored: 1 });
    expect(later.groups[0]).toMatchObject({ n: 4, events: 2, censored: 2 });
    expect(then.groups[0].curve.map((r) => [r.day, r.events, r.censored])).toEqual([
      [184, 1, 0],
      [337, 1, 0],
      [1400, 0, 1],
    ]);
    expect(later.groups[0].curve.map((r) => [r.day, r.events, r.censored])).toEqual([
      [184, 1, 0],
      [334, 0, 1],
      [1187, 1, 0],
      [1766, 0, 1],
    ]);
  });

  it('compares two as-of moments in one pass', async () => {
    const cmp = await compareAsOf(histories, QUERY, A, B);
    expect(cmp.a).toEqual(await timeToEvent(histories, { ...QUERY, asOf: A }, NOW));
    expect(cmp.b).toEqual(await timeToEvent(histories, { ...QUERY, asOf: B }, NOW));
    expect(cmp.people).toEqual({ entered: 1, left: 0, gainedEvent: 1, lostEvent: 1, durationChanged: 0 });
    expect(cmp.groups).toHaveLength(1);
    expect(cmp.groups[0].n).toEqual({ a: 3, b: 4 });
    expect(cmp.groups[0].median.a).toBe(337);
    expect(cmp.groups[0].median.delta).toBe((cmp.groups[0].median.b ?? NaN) - 337);
  });

  it('ignores data newer than as-of even for events that are otherwise fine', async () => {
    const h = [person(event('ResidencePermitGranted', '2016-01-01T00:00:00Z', {}, { recordedTime: '2021-01-01T00:00:00Z' }))];
    expect((await timeToEvent(h, { ...QUERY, asOf: A }, NOW)).groups[0].n).toBe(0);
  });
});

describe('competing exits', () => {
  const start = '2016-03-01T10:00:00Z';
  const educated = (time: string) => event('EducationStarted', time, { level: 'upper-secondary' });
  const histories = [
    person(permit(start), employed('2016-03-11T10:00:00Z')), // job on day 10
    person(permit(start), closed('2016-03-06T10:00:00Z', 'left-sweden'), employed('2016-03-21T10:00:00Z')), // left on day 5, the later job does not count
    person(permit(start), closed('2016-03-06T10:00:00Z', 'withdrawn')), // censored on day 5
    person(permit(start), educated('2016-03-11T10:00:00Z'), employed('2016-03-11T10:00:00Z')), // a tie at one instant: the job wins
    person(permit(start), educated('2016-03-16T09:00:00Z'), closed('2016-03-16T09:00:00Z', 'left-sweden')), // tie of causes: the first listed wins
    person(permit(start)), // censored at as-of
  ];
  const query = { ...QUERY, competing: ['left-sweden', 'EducationStarted'], asOf: '2016-04-01T00:00:00Z' };

  it('ends an episode at the first exit of any kind, the event winning a tie and then the order listed', async () => {
    const [g] = (await timeToEvent(histories, query, NOW)).groups;
    const [job, left, education] = g.cumulativeIncidence!;
    expect([job.cause, left.cause, education.cause]).toEqual(['to', 'left-sweden', 'EducationStarted']);
    expect([job.events, left.events, education.events]).toEqual([2, 2, 0]);
    expect(left.curve.filter((r) => r.events > 0).map((r) => r.day)).toEqual([5, 15]);
    // The Kaplan–Meier curve is the cause-specific one: a competing exit censors.
    expect(g).toMatchObject({ n: 6, events: 2, censored: 4 });
    expect(g.curve.map((r) => [r.day, r.events, r.censored])).toEqual([
      [5, 0, 2],
      [10, 2, 0],
      [15, 0, 1],
      [31, 0, 1],
    ]);
  });

  it('gives the cumulative incidences of all causes and the all-cause survival summing to one', async () => {
    const [g] = (await timeToEvent(histories, query, NOW)).groups;
    const ci = g.cumulativeIncidence!;
    // At day 15: 1/6 left on day 5 (6 at risk), 2 of 4 got a job on day 10, 1 of 2 left on day 15.
    const at15 = ci.map((c) => c.curve.find((r) => r.day === 15)!.incidence);
    expect(at15[0]).toBeCloseTo((5 / 6) * (2 / 4), 14);
    expect(at15[1]).toBeCloseTo(1 / 6 + (5 / 6) * (2 / 4) * (1 / 2), 14);
    expect(at15[2]).toBe(0);
    expect(ci[0].horizons).toEqual([90, 365, 730].map((day) => ({ day, share: null })));
  });

  it('leaves the answer without competing exactly as it was', async () => {
    const plain = await timeToEvent(histories, { ...QUERY, asOf: query.asOf }, NOW);
    expect(plain.groups[0].cumulativeIncidence).toBeUndefined();
    expect(plain.groups[0]).toMatchObject({ n: 6, events: 3 });
  });

  it('refuses a competing cause that is also the event, listed twice, or empty', () => {
    expect(() => new TimeToEventAccumulator({ ...QUERY, competing: ['EmploymentStarted'] }, NOW)).toThrow(RangeError);
    expect(() => new TimeToEventAccumulator({ ...QUERY, competing: ['left-sweden', 'left-sweden'] }, NOW)).toThrow(RangeError);
    expect(() => new TimeToEventAccumulator({ ...QUERY, competing: [] }, NOW)).toThrow(RangeError);
  });
});

describe('log-rank in the answer', () => {
  it('is given with groupBy, with each attribute stratified by the others when there are several', async () => {
    const one = await timeToEvent(population, { ...QUERY, groupBy: 'gender' }, NOW);
    expect(one.logRank).toMatchObject({ df: 1, observed: one.groups.map((g) => g.events) });
    expect(one.logRank!.stratified).toBeUndefined();
    const two = await timeToEvent(population, { ...QUERY, groupBy: ['gender', 'municipalityCode'] }, NOW);
    expect(two.logRank!.stratified!.map((s) => [s.by, s.strata])).toEqual([
      ['gender', ['municipalityCode']],
      ['municipalityCode', ['gender']],
    ]);
    expect((await timeToEvent(population, QUERY, NOW)).logRank).toBeUndefined();
  });
});
