import { parseTime, TimeToEventAccumulator, type TimeToEventQuery } from '@kedja/analytics';
import { appendToRow, type AnalyticsInput, type AnalyticsRow } from './analytics-histories';
import { ANALYTICS_TYPE_CODES, type CompactEntry } from './codes';
import { encodeFacts, FactsView } from './facts';
import { decodeHistory } from './history-reader';

/** A row as the store returns it: JSON round trip of what appendToRow built. */
function rowOf(events: AnalyticsInput[]): AnalyticsRow {
  const row: AnalyticsRow = { history: [], keys: [] };
  for (const e of events) appendToRow(row, e);
  return JSON.parse(JSON.stringify(row)) as AnalyticsRow;
}

/** The answers of the JSON path (decodeHistory → add) and of the facts path (FactsView → addEncoded). */
function bothWays(histories: CompactEntry[][], query: TimeToEventQuery, now: string) {
  const json = new TimeToEventAccumulator(query, now);
  const facts = new TimeToEventAccumulator(query, now);
  const view = new FactsView();
  histories.forEach((h, i) => {
    json.add(decodeHistory(`p${i}`, h));
    facts.addEncoded(view.reset(encodeFacts(h, parseTime)));
  });
  return { json: json.result(), facts: facts.result() };
}

describe('analytics facts encoding', () => {
  it('reads back every part of an entry, through escapes, named types and odd values', () => {
    const history: CompactEntry[] = [
      [0, '2016-01-01T10:00:00+01:00', 0, 1990, 'female', 'asylum'],
      [2, '1969-12-31T23:59:59Z', '2016-02-01T10:00:00.5Z'],
      [6, 'not a time', 0, '2281'],
      ['SomethingNew', '2016-03-01T10:00:00Z', '2016-03-01T10:00:00Z'],
      [17, '9999-12-31T23:59:59.999Z', 0, 'x'.repeat(100)],
      [7, '2016-04-01T10:00:00Z', 0, 'nul\u0000 and \ud800 lone'],
      [0, '2016-05-01T10:00:00Z', 0, -12.5e-7, null, 'Göteborg ; ~ # N s j'],
      [27, '2016-06-01T10:00:00Z', '2017-01-01T00:00:00Z', 4],
      [5, '2016-07-01T10:00:00Z', null, 'left-sweden'],
      [5, '2016-07-01T10:00:00Z', '', 'left', 'extra', 'values'],
    ];
    const view = new FactsView().reset(encodeFacts(history, parseTime));
    expect(view.length).toBe(history.length);
    history.forEach((entry, i) => {
      expect(view.code(i)).toBe(typeof entry[0] === 'number' ? entry[0] : -1);
      expect(view.typeName(i)).toBe(typeof entry[0] === 'number' ? ANALYTICS_TYPE_CODES[entry[0]] : entry[0]);
      expect(Object.is(view.time(i), parseTime(entry[1] as string))).toBe(true);
      const rec = entry[2] === 0 || entry[2] === null || entry[2] === '' ? entry[1] : entry[2];
      expect(Object.is(view.recorded(i), parseTime(rec as string))).toBe(true);
    });
    expect(view.data(0, 'birthYear')).toBe(1990);
    expect(view.data(0, 'gender')).toBe('female');
    expect(view.data(0, 'route')).toBe('asylum');
    expect(view.data(0, 'municipalityCode')).toBeNull();
    expect(view.data(2, 'municipalityCode')).toBe('2281');
    expect(view.data(3, 'municipalityCode')).toBeNull();
    expect(view.data(4, 'highestEducation')).toBe('x'.repeat(100));
    expect(view.data(5, 'municipalityCode')).toBe('nul\u0000 and \ud800 lone');
    expect(view.data(6, 'birthYear')).toBe(-12.5e-7);
    expect(view.data(6, 'gender')).toBeNull();
    expect(view.data(6, 'route')).toBe('Göteborg ; ~ # N s j');
    expect(view.retractionTarget(7)).toBe(4);
    expect(view.data(8, 'reason')).toBe('left-sweden');
    expect(view.data(9, 'reason')).toBe('left');
  });

  it('keeps the text free of NUL and lone surrogates, which PostgreSQL text refuses', () => {
    const text = encodeFacts([[7, '2016-04-01T10:00:00Z', 0, 'a\u0000b\udc00']], parseTime);
    expect(text.includes(String.fromCharCode(0))).toBe(false);
    expect(text).not.toMatch(/[\ud800-\udfff]/);
  });

  it('grows its buffers for long histories and is reusable across people', () => {
    const long: CompactEntry[] = Array.from({ length: 300 }, (_, i) => [i % 2 === 0 ? 9 : 10, new Date(Date.UTC(2015, 0, 1) + i * 86_400_000).toISOString(), 0]);
    const view = new FactsView();
    expect(view.reset(encodeFacts(long, parseTime)).length).toBe(300);
    expect(view.time(299)).toBe(Date.UTC(2015, 0, 1) + 299 * 86_400_000);
    expect(view.reset(encodeFacts([[2, '2016-01-01T00:00:00Z', 0]], parseTime)).length).toBe(1);
    expect(view.reset('').length).toBe(0);
    // A slice of a longer text, as the reader hands over one person of a joined page.
    const one = encodeFacts([[2, '2016-01-01T00:00:00Z', 0]], parseTime);
    const two = encodeFacts([[9, '2017-01-01T00:00:00Z', '2017-02-01T00:00:00Z', 'x']], parseTime);
    const page = `${one}\n${two}`;
    expect(view.reset(page, 0, one.length).length).toBe(1);
    expect(view.code(0)).toBe(2);
    expect(view.reset(page, one.length + 1, page.length).length).toBe(1);
    expect(view.code(0)).toBe(9);
    expect(view.recorded(0)).toBe(Date.UTC(2017, 1, 1));
  });

  it('answers time-to-event exactly as the JSON histories, over random histories', () => {
    // Deterministic pseudo-random histories with retractions (of events and of retractions),
    // late recordings, offsets, fractions, unparseable times, a type outside the codes and
    // attribute values of every kind.
    let seed = 12345;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const types = ['MigrationCaseOpened', 'ResidencePermitGranted', 'MunicipalityAssigned', 'PopulationRegistered', 'MovedToMunicipality', 'CompetenceMapped', 'EmploymentStarted', 'BusinessStarted', 'MigrationCaseClosed', 'SfiEnrolled', 'NotYetCoded'];
    const offsets = ['Z', '+01:00', '-05:30', '.250Z', '.5+02:00'];
    const time = () => {
      if (rnd() < 0.01) return 'garbage';
      const d = new Date(Date.UTC(2014, 0, 1) + Math.floor(rnd() * 8 * 365) * 86_400_000 + Math.floor(rnd() * 86_400) * 1000);
      return d.toISOString().slice(0, 19) + pick(offsets);
    };
    const histories: CompactEntry[][] = [];
    for (let p = 0; p < 400; p++) {
      const events: AnalyticsInput[] = [];
      const n = 1 + Math.floor(rnd() * 14);
      for (let k = 0; k < n; k++) {
        const source = pick(['urn:a', 'urn:b']);
        if (k > 0 && rnd() < 0.15) {
          const target = pick(events);
          events.push({ eventId: `e${k}`, source: target.source, type: 'EventRetracted', time: time(), recordedTime: time(), data: { eventId: target.eventId } });
          continue;
        }
        const t = time();
        const data: Record<string, unknown> = {
          birthYear: pick([1950, 1990, 2005, '1980', null]),
          gender: pick(['female', 'male', 3, undefined]),
          route: pick(['asylum', 'resettlement', 'family-ties']),
          municipalityCode: pick(['0180', '1480', '2281', '14', null]),
          highestEducation: pick(['primary', 'upper-secondary', 'none', 7]),
          reason: 'left-sweden',
        };
        events.push({ eventId: `e${k}`, source, type: pick(types), time: t, recordedTime: rnd() < 0.5 ? t : time(), data });
      }
      histories.push(rowOf(events).history);
    }
    const queries: TimeToEventQuery[] = [
      { from: 'ResidencePermitGranted', to: ['EmploymentStarted', 'BusinessStarted'], groupBy: ['gender', 'ageBand', 'countyCode'] },
      { from: 'ResidencePermitGranted', to: 'EmploymentStarted', cohort: { year: [2015, 2016, 2017] }, groupBy: ['municipalityCode', 'highestEducation', 'route'] },
      { from: 'MigrationCaseOpened', to: 'NotYetCoded', groupBy: 'year' },
      { from: 'NotYetCoded', to: 'MigrationCaseClosed' },
      { from: 'EmploymentStarted', to: 'EmploymentStarted', cohort: { gender: 'female' } },
      { from: 'EventRetracted', to: 'EmploymentStarted' },
    ];
    const people: number[] = [];
    for (const query of queries) {
      let n = 0;
      for (const asOf of ['2015-06-01T00:00:00Z', '2018-01-01T00:00:00+01:00', '2030-01-01T00:00:00Z']) {
        const { json, facts } = bothWays(histories, { ...query, asOf }, '2030-01-01T00:00:00Z');
        expect(facts).toEqual(json);
        n += json.groups.reduce((sum, g) => sum + g.n, 0);
      }
      people.push(n);
    }
    // Not a vacuous comparison: every query found episodes.
    for (const n of people) expect(n).toBeGreaterThan(5);
  });
});
