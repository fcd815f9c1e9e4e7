import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StoredEvent } from '@kedja/event-store';
import { stories } from '@kedja/simulator';
import { TimeToEventAccumulator, type TimeToEventQuery } from '@kedja/analytics';
import { describeEachStore, newTestStore, type StoreKind } from '../../../../../libs/projections/src/testing/test-stores';
import { ANALYTICS_TABLE, analyticsHistoriesProjection, visitAnalyticsFacts } from '../histories/projection';
import { timeToEventFromProjection } from './run';

/**
 * The answers of the analytics projection + timeToEventFromProjection on a fixed population,
 * compared with a golden file written by the implementation before the compact encoding (JSON
 * histories decoded into event objects). Any change to the row encoding, the reader or the
 * episode evaluation must leave every number of every query exactly as it was, on both stores.
 * `KEDJA_WRITE_GOLDEN=1` rewrites the file (only ever from a trusted implementation).
 */
const GOLDEN = path.join(__dirname, 'golden', 'time-to-event.golden.json');
const NOW = '2026-11-01T00:00:00Z';

interface Input {
  readonly eventId: string;
  readonly source: string;
  readonly type: string;
  readonly time: string;
  readonly recordedTime?: string;
  readonly data?: Record<string, unknown>;
}

const MV = 'urn:se:migrationsverket:case';
const AF = 'urn:se:arbetsformedlingen:ep';
const SKV = 'urn:se:skatteverket:fb';
const REGION = 'urn:se:region:22:health';

const ev = (eventId: string, type: string, time: string, data: Record<string, unknown> = {}, recordedTime?: string, source = MV): Input => ({
  eventId,
  source,
  type,
  time,
  recordedTime,
  data,
});

/** Hand-made people for the corners the simulator never produces. */
const EDGE_PEOPLE: Record<string, Input[]> = {
  'edge-retractions': [
    ev('o', 'MigrationCaseOpened', '2016-01-01T10:00:00+01:00', { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR' }),
    ev('p', 'ResidencePermitGranted', '2016-02-01T10:00:00Z', { permitType: 'temporary' }),
    ev('r', 'PopulationRegistered', '2016-03-01T10:00:00Z', { personalIdentityNumber: '199001012384', municipalityCode: '2281' }, undefined, SKV),
    ev('h', 'HealthExaminationOffered', '2016-03-02T10:00:00Z', {}, undefined, REGION),
    ev('w1', 'EmploymentStarted', '2016-04-01T10:00:00Z', { occupation: '5120' }, undefined, AF),
    ev('x1', 'EventRetracted', '2016-05-01T10:00:00Z', { eventId: 'w1', reason: 'wrong person' }, undefined, AF),
    ev('x2', 'EventRetracted', '2016-05-02T10:00:00Z', { eventId: 'x1', reason: 'the retraction was wrong' }, undefined, AF),
    ev('xh', 'EventRetracted', '2016-05-03T10:00:00Z', { eventId: 'h', reason: 'not ours' }, undefined, REGION),
    ev('xo', 'EventRetracted', '2016-05-04T10:00:00Z', { eventId: 'w1', reason: 'other source, same id' }, undefined, SKV),
    ev('w2', 'EmploymentStarted', '2017-02-01T10:00:00Z', { occupation: '5120' }, '2020-01-01T00:00:00Z', AF),
  ],
  'edge-offsets': [
    ev('o', 'MigrationCaseOpened', '2015-12-31T23:30:00-02:00', { route: 'resettlement', birthYear: 1970, gender: 'male' }),
    ev('p', 'ResidencePermitGranted', '2016-01-01T00:30:00+01:00', {}, '2016-01-01T00:30:00.000+01:00'),
    ev('m', 'MunicipalityAssigned', '2016-01-01T00:00:00.999Z', { municipalityCode: '0180' }),
    ev('s', 'SettledInMunicipality', '2016-01-01T00:00:00.999Z', { municipalityCode: '1480' }),
    ev('w', 'EmploymentStarted', '2016-03-01T12:00:00.5Z', {}, '2016-03-02T00:00:00.250+00:00', AF),
    ev('b', 'BusinessStarted', '2016-03-01t11:59:59.123456z', {}, undefined, AF),
    ev('sfi', 'SfiEnrolled', '2016-01-10T08:00:00Z', {}),
    ev('sfp', 'SfiCoursePassed', '2016-06-10T08:00:00+14:00', {}),
  ],
  'edge-odd-values': [
    ev('o', 'MigrationCaseOpened', '2016-05-05T10:00:00Z', { route: 'återförening-ÅÄÖ', birthYear: 1990.5 }),
    ev('o2', 'MigrationCaseOpened', '2016-05-04T10:00:00Z', { route: 'family-ties', birthYear: '1980', gender: 7 }),
    ev('p', 'ResidencePermitGranted', '2016-06-01T10:00:00Z'),
    ev('f', 'FutureOutcome', '2016-07-01T10:00:00Z', { whatever: 1 }),
    ev('bad', 'EmploymentStarted', 'not a time', {}, undefined, AF),
    ev('bad2', 'EmploymentStarted', '2016-13-45T99:00:00Z', {}, undefined, AF),
    ev('w', 'EmploymentStarted', '2018-07-01T10:00:00Z', {}, '2030-01-01T00:00:00Z', AF),
    ev('m', 'MovedToMunicipality', '2016-08-01T10:00:00Z', { municipalityCode: 'Göteborgs-kommun-€' }, undefined, SKV),
    ev('c', 'CompetenceMapped', '2016-09-01T10:00:00Z', { highestEducation: 42 }, undefined, AF),
    ev('c2', 'CompetenceMapped', '2016-09-01T10:00:00Z', { highestEducation: 'x'.repeat(300) + 'ü' }, undefined, AF),
  ],
  'edge-closure': [
    ev('c0', 'MigrationCaseClosed', '2015-01-01T00:00:00Z', { reason: 'contradictory' }),
    ev('o', 'MigrationCaseOpened', '2015-02-01T00:00:00Z', { route: 'asylum', birthYear: 2001, gender: 'female' }),
    ev('p', 'ResidencePermitGranted', '2016-02-01T00:00:00Z'),
    ev('c1', 'MigrationCaseClosed', '2016-10-01T00:00:00Z', { reason: 'left-sweden' }),
    ev('w', 'EmploymentStarted', '2017-02-01T00:00:00Z', {}, undefined, AF),
  ],
  'edge-late-retraction': [
    ev('o', 'MigrationCaseOpened', '2015-02-01T00:00:00Z', { route: 'asylum', birthYear: 1960, gender: 'male' }),
    ev('p', 'ResidencePermitGranted', '2016-02-01T00:00:00Z'),
    ev('p2', 'ResidencePermitGranted', '2016-08-01T00:00:00Z', {}, '2017-01-01T00:00:00Z'),
    ev('xp', 'EventRetracted', '2016-02-01T00:00:00Z', { eventId: 'p' }, '2020-03-01T00:00:00Z'),
    ev('w', 'EmploymentStarted', '2016-09-01T00:00:00Z', {}, '2016-09-02T00:00:00Z', AF),
    ev('xw', 'EventRetracted', '2016-09-01T00:00:00Z', { eventId: 'w' }, '2019-06-01T00:00:00Z', AF),
    ev('xnone', 'EventRetracted', '2016-09-01T00:00:00Z', { eventId: 'does-not-exist' }, '2019-06-01T00:00:00Z', AF),
  ],
  'edge-many-events': [
    ev('o', 'MigrationCaseOpened', '2014-02-01T00:00:00Z', { route: 'asylum', birthYear: 1999, gender: 'female' }),
    ...Array.from({ length: 320 }, (_, i) => ev(`s${i}`, i % 2 === 0 ? 'SfiEnrolled' : 'SfiCoursePassed', new Date(Date.UTC(2014, 3, 1) + i * 86_400_000 * 3).toISOString(), {}, undefined, AF)),
    ev('x', 'EventRetracted', '2015-01-01T00:00:00Z', { eventId: 's1' }, undefined, AF),
    ev('p', 'ResidencePermitGranted', '2014-01-02T00:00:00Z'),
  ],
  'edge-health-only': [ev('h', 'HealthExaminationOffered', '2016-03-02T10:00:00Z', {}, undefined, REGION)],
};

const QUERIES: Record<string, TimeToEventQuery> = {
  bench: { from: 'ResidencePermitGranted', to: ['EmploymentStarted', 'BusinessStarted'], cohort: { year: [2015, 2016, 2017] }, groupBy: 'gender' },
  asOf2019: { from: 'ResidencePermitGranted', to: 'EmploymentStarted', groupBy: ['gender', 'ageBand'], asOf: '2019-12-31T23:59:59Z', cohort: { year: 2016 } },
  asOf2017ByYear: { from: 'ResidencePermitGranted', to: 'EmploymentStarted', asOf: '2017-06-30T00:00:00Z', groupBy: 'year' },
  countyRoute: { from: 'ResidencePermitGranted', to: ['EmploymentStarted', 'BusinessStarted', 'FutureOutcome'], groupBy: ['countyCode', 'route'] },
  registration: { from: 'MigrationCaseOpened', to: 'PopulationRegistered', groupBy: ['municipalityCode', 'highestEducation'], horizons: [0, 30, 180] },
  sfi: { from: 'SfiEnrolled', to: 'SfiCoursePassed' },
  // Competing exits read a kept field (the closure's reason) and another type: both paths must agree.
  competing: { from: 'ResidencePermitGranted', to: ['EmploymentStarted', 'BusinessStarted'], competing: ['left-sweden', 'EducationStarted', 'citizenship'], groupBy: 'gender' },
  jobToJob: { from: 'EmploymentStarted', to: 'EmploymentStarted', cohort: { gender: 'female', route: ['asylum', 'resettlement'] } },
  future: { from: 'FutureOutcome', to: 'EmploymentStarted', groupBy: 'route' },
  toClosure: { from: 'ResidencePermitGranted', to: 'MigrationCaseClosed', groupBy: 'ageBand', asOf: '2021-01-01T00:00:00+01:00' },
  counties: { from: 'ResidencePermitGranted', to: 'EmploymentStarted', cohort: { countyCode: ['01', '14', '12'] }, groupBy: ['highestEducation', 'year'] },
  municipalities: { from: 'PopulationRegistered', to: 'EmploymentStarted', cohort: { municipalityCode: ['0180', '1480', '2281'], ageBand: ['20-24', '25-34'] } },
  fromRetraction: { from: 'EventRetracted', to: 'EmploymentStarted' },
  health: { from: 'HealthExaminationOffered', to: 'EmploymentStarted' },
  early: { from: 'ResidencePermitGranted', to: 'EmploymentStarted', groupBy: 'gender', asOf: '2014-06-01T00:00:00Z' },
};

/** The population as the store would hand it to the projection: per person, in recording order. */
function population(): StoredEvent[] {
  const events: StoredEvent[] = [];
  let position = 0;
  const push = (streamId: string, e: Input) => {
    position++;
    events.push({
      position: String(position),
      streamId,
      streamVersion: 0,
      eventId: e.eventId,
      source: e.source,
      type: e.type,
      eventTime: e.time,
      recordedTime: e.recordedTime ?? e.time,
      receivedTime: e.recordedTime ?? e.time,
      data: e.data ?? {},
      metadata: {} as StoredEvent['metadata'],
    });
  };
  let n = 0;
  for (const story of stories({ persons: 2500, seed: 11 })) {
    const id = `sim-${String(n++).padStart(5, '0')}`;
    for (const { event } of story.events) push(id, { eventId: event.id, source: event.source, type: event.type, time: event.time, recordedTime: event.recordedtime, data: event.data });
  }
  for (const [id, list] of Object.entries(EDGE_PEOPLE)) for (const e of list) push(id, e);
  return events;
}

async function answers(kind: StoreKind): Promise<Record<string, unknown>> {
  const store = newTestStore(kind);
  const opened = await store.open();
  try {
    const physical = { [ANALYTICS_TABLE]: 'analytics_golden' };
    for (const sql of analyticsHistoriesProjection.createTables(physical, opened.db.dialect)) await opened.db.execute(sql);
    const events = population();
    // Batches as the runner would apply them; a person's events span several batches.
    for (let i = 0; i < events.length; i += 997) {
      await opened.db.transaction((tx) => analyticsHistoriesProjection.apply(tx, physical, events.slice(i, i + 997)));
    }
    const out: Record<string, unknown> = {};
    for (const [name, query] of Object.entries(QUERIES)) {
      out[name] = JSON.parse(JSON.stringify(await timeToEventFromProjection(opened.db, 'analytics_golden', query, NOW)));
    }
    // A version 1 table (no facts column) still serving while version 2 is being built: the same answers.
    await opened.db.execute('CREATE TABLE analytics_golden_v1 AS SELECT person_id, history, keys FROM analytics_golden');
    for (const name of ['bench', 'asOf2019', 'countyRoute']) {
      expect(JSON.parse(JSON.stringify(await timeToEventFromProjection(opened.db, 'analytics_golden_v1', QUERIES[name], NOW)))).toEqual(out[name]);
    }
    // Any other error is not taken for a version 1 table. (A flag, not rejects.toThrow: the
    // driver's error objects are not always instances of jest's Error.)
    let failed = false;
    await timeToEventFromProjection(opened.db, 'analytics_missing', QUERIES.bench, NOW).catch(() => (failed = true));
    expect(failed).toBe(true);
    // Small pages: every person once, whatever the page boundaries, and the same answer.
    const [{ n }] = await opened.db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM analytics_golden');
    for (const pageSize of [1, 7, Number(n)]) {
      const acc = new TimeToEventAccumulator(QUERIES.bench, NOW);
      let people = 0;
      await visitAnalyticsFacts(opened.db, 'analytics_golden', (facts) => (people++, acc.addEncoded(facts)), pageSize);
      expect(people).toBe(Number(n));
      expect(JSON.parse(JSON.stringify(acc.result()))).toEqual(out.bench);
    }
    return out;
  } finally {
    await opened.store.close();
    await store.cleanup();
  }
}

describeEachStore('time-to-event from the projection, against the golden answers', (kind) => {
  it('answers every query exactly as the reference implementation did', async () => {
    const got = await answers(kind);
    if (process.env.KEDJA_WRITE_GOLDEN === '1' && kind === 'sqlite') {
      fs.mkdirSync(path.dirname(GOLDEN), { recursive: true });
      // One line per query: a diff names the query that changed.
      fs.writeFileSync(GOLDEN, `{\n${Object.entries(got).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(",\n")}\n}\n`);
    }
    const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(got)).toEqual(Object.keys(golden));
    for (const name of Object.keys(golden)) expect({ name, answer: got[name] }).toEqual({ name, answer: golden[name] });
  }, 120_000);
});
