import { timeToEvent, type AnalyticsEvent } from '@kedja/analytics';
import { appendToRow, type AnalyticsInput, type AnalyticsRow } from './analytics-histories';
import { decodeHistory } from './history-reader';

const ev = (eventId: string, type: string, time: string, data: Record<string, unknown> = {}, recordedTime = time, source = 'urn:a'): AnalyticsInput => ({
  eventId,
  source,
  type,
  time,
  recordedTime,
  data,
});

function rowOf(events: AnalyticsInput[]): AnalyticsRow {
  const row: AnalyticsRow = { history: [], keys: [] };
  for (const e of events) appendToRow(row, e);
  return JSON.parse(JSON.stringify(row)) as AnalyticsRow;
}

const story: AnalyticsInput[] = [
  ev('o', 'MigrationCaseOpened', '2016-01-01T10:00:00+01:00', { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR' }),
  ev('p', 'ResidencePermitGranted', '2016-02-01T10:00:00Z', { permitType: 'temporary', ground: 'refugee' }),
  ev('r', 'PopulationRegistered', '2016-03-01T10:00:00Z', { personalIdentityNumber: '199001012384', municipalityCode: '2281' }),
  ev('h', 'HealthExaminationOffered', '2016-03-02T10:00:00Z', {}, '2016-03-02T10:00:00Z', 'urn:region'),
  ev('w1', 'EmploymentStarted', '2016-04-01T10:00:00Z', { occupation: '5120', form: 'regular', employer: '5560000001' }),
  ev('x1', 'EventRetracted', '2016-05-01T10:00:00Z', { eventId: 'w1', reason: 'wrong person' }),
  ev('x2', 'EventRetracted', '2016-05-02T10:00:00Z', { eventId: 'x1', reason: 'the retraction was wrong' }),
  ev('xh', 'EventRetracted', '2016-05-03T10:00:00Z', { eventId: 'h', reason: 'not ours' }, '2016-05-03T10:00:00Z', 'urn:region'),
  ev('w2', 'EmploymentStarted', '2017-02-01T10:00:00Z', { occupation: '5120', form: 'regular' }, '2020-01-01T00:00:00Z'),
];

describe('analytics_histories encoding', () => {
  it('keeps only the fields analytics reads, no personnummer, employer or citizenship, and no health facts', () => {
    const row = rowOf(story);
    const text = JSON.stringify(row.history);
    expect(text).not.toContain('199001012384');
    expect(text).not.toContain('5560000001');
    expect(text).not.toContain('SYR');
    expect(row.history).toHaveLength(7);
    expect(row.history[0]).toEqual([0, '2016-01-01T10:00:00+01:00', 0, 1990, 'female', 'asylum']);
    expect(row.history[2]).toEqual([6, '2016-03-01T10:00:00Z', 0, '2281']);
    // Retractions name their target by index: x1 → the job (3), x2 → x1 (4).
    expect(row.history[4].slice(3)).toEqual([3]);
    expect(row.history[5].slice(3)).toEqual([4]);
    expect(row.history[6]).toEqual([24, '2017-02-01T10:00:00Z', '2020-01-01T00:00:00Z']);
    expect(row.keys).toHaveLength(7);
  });

  it('decodes to histories the library answers exactly as from the original events', async () => {
    const original: AnalyticsEvent[] = story.map((e) => ({ ...e }));
    const decoded = decodeHistory('p1', rowOf(story).history);
    const decodedFiltered = decodeHistory('p1', rowOf(story).history, new Set(['MigrationCaseOpened', 'ResidencePermitGranted', 'PopulationRegistered', 'EmploymentStarted', 'EventRetracted']));
    for (const asOf of ['2016-04-15T00:00:00Z', '2016-05-01T12:00:00Z', '2016-06-01T00:00:00Z', '2021-01-01T00:00:00Z']) {
      const query = { from: 'ResidencePermitGranted', to: 'EmploymentStarted', groupBy: ['gender', 'municipalityCode', 'ageBand'], asOf };
      const expected = await timeToEvent([{ personId: 'p1', events: original }], query, asOf);
      expect(await timeToEvent([decoded], query, asOf)).toEqual(expected);
      expect(await timeToEvent([decodedFiltered], query, asOf)).toEqual(expected);
    }
  });
});
