import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { controlTimeToEvent } from '@kedja/access';
import type { TimeToEventResult } from '@kedja/analytics';
import { evaluate } from '../../apps/cli/src/evaluate/evaluate';
import { analyticsTable } from '../../apps/api/src/analytics/histories/histories';
import { parseTimeToEventBody } from '../../apps/api/src/analytics/time-to-event/query';
import { timeToEventFromProjection } from '../../apps/api/src/analytics/time-to-event/run';
import { attackTimeToEvent, type AttackedGroup } from '../../libs/access/src/disclosure/testing/attacker';
import { dossier, personnummer } from '../support/events';
import { describeEachStore, startTestApp, type StoreKind, type TestApp } from '../support/test-app';

/**
 * Disclosure control over HTTP, property-based: fast-check generates populations (genders,
 * routes, municipalities of Västernorrland, permits and jobs reported on time or years late,
 * closures) which are imported through POST /v1/events, and questions (groupBy, cohort, asOf);
 * every answer of POST /v1/analytics/time-to-event, .../compare and the county overview is then
 * attacked by differencing (libs/access/src/disclosure/testing/attacker.ts: counts, curves, with
 * `competing` the cumulative incidences per cause, with groupBy the log-rank test) against the true
 * numbers, read from the store without control. Runs with KEDJA_MIN_CELL 3, 5 and 10, on SQLite
 * and PostgreSQL. The store grows from run to run, so each run sees a larger population.
 */

const MUNICIPALITIES = ['2281', '2262', '2260', '2280'];
const DAY = 86_400_000;
const at = (day: number) => new Date(Date.UTC(2015, 0, 1) + day * DAY).toISOString();

interface Generated {
  readonly gender: 'female' | 'male' | 'unspecified';
  readonly route: 'asylum' | 'resettlement';
  readonly birthYear: number;
  readonly opened: number;
  readonly permitAfter: number;
  readonly permitLate: number;
  readonly municipality: number;
  readonly settles: boolean;
  readonly arrangement: 'assigned' | 'self-arranged';
  readonly sfiAfter: number | null;
  readonly work: { readonly after: number; readonly late: number } | null;
  readonly closedAfter: number | null;
}

const generated: fc.Arbitrary<Generated> = fc.record({
  gender: fc.constantFrom('female', 'male', 'unspecified'),
  route: fc.constantFrom('asylum', 'resettlement'),
  birthYear: fc.integer({ min: 1965, max: 2000 }),
  opened: fc.integer({ min: 0, max: 700 }),
  permitAfter: fc.integer({ min: 10, max: 300 }),
  permitLate: fc.oneof(fc.constant(0), fc.integer({ min: 100, max: 1500 })),
  municipality: fc.integer({ min: 0, max: MUNICIPALITIES.length - 1 }),
  settles: fc.boolean(),
  arrangement: fc.constantFrom('assigned', 'self-arranged'),
  sfiAfter: fc.option(fc.integer({ min: 5, max: 120 })),
  // Jobs cluster on few durations so that single-event days and small groups both occur.
  work: fc.option(fc.record({ after: fc.integer({ min: 0, max: 40 }).map((d) => d * 15), late: fc.oneof(fc.constant(0), fc.integer({ min: 100, max: 1200 })) })),
  closedAfter: fc.option(fc.integer({ min: 100, max: 900 }), { freq: 4 }),
});

async function importPeople(app: TestApp, people: readonly Generated[]): Promise<void> {
  const admin = await app.token('platform', 'admin', 'importer');
  for (const p of people) {
    const subject = `dossier:${dossier()}`;
    const code = MUNICIPALITIES[p.municipality];
    const events: Array<Record<string, unknown>> = [];
    const push = (actor: string, source: string, type: string, day: number, data: Record<string, unknown>, late = 0) =>
      events.push({ specversion: '1.0', id: randomUUID(), source, type, time: at(day), subject, actor, recordedtime: at(day + late), data });
    const permit = p.opened + p.permitAfter;
    push('migrationsverket', 'urn:se:migrationsverket:case', 'MigrationCaseOpened', p.opened, { route: p.route, birthYear: p.birthYear, gender: p.gender, citizenship: 'SYR' });
    push('migrationsverket', 'urn:se:migrationsverket:case', 'ResidencePermitGranted', permit, { permitType: 'temporary', ground: 'refugee' }, p.permitLate);
    push('migrationsverket', 'urn:se:migrationsverket:case', 'MunicipalityAssigned', permit + 5, { municipalityCode: code });
    if (p.settles) {
      push('skatteverket', 'urn:se:skatteverket:fb', 'PopulationRegistered', permit + 20, { personalIdentityNumber: personnummer(p.birthYear), municipalityCode: code });
      push(`municipality:${code}`, `urn:se:kommun:${code}:system`, 'SettledInMunicipality', permit + 20, { municipalityCode: code, arrangement: p.arrangement });
      if (p.sfiAfter !== null) push(`municipality:${code}`, `urn:se:kommun:${code}:system`, 'SfiEnrolled', permit + 20 + p.sfiAfter, { studyPath: 2, course: 'B' });
    }
    if (p.work) push('arbetsformedlingen', 'urn:se:arbetsformedlingen:ep', 'EmploymentStarted', permit + p.work.after, { occupation: '5120', form: 'regular' }, p.work.late);
    if (p.closedAfter !== null) push('migrationsverket', 'urn:se:migrationsverket:case', 'MigrationCaseClosed', permit + p.closedAfter, { reason: 'left-sweden' });
    const response = await app.http().post('/v1/events').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/cloudevents-batch+json').send(JSON.stringify(events));
    const results = response.body.results as Array<{ status: string }> | undefined;
    if (response.status !== 200 || !results || results.some((r) => r.status !== 'recorded')) throw new Error(`import answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  await app.kedja.runtime.projections!.waitUntilCaughtUp();
}

const GROUP_BY = ['gender', 'route', 'municipalityCode', 'year', 'ageBand'] as const;
const question = fc.record({
  to: fc.constantFrom<string | string[]>('EmploymentStarted', ['EmploymentStarted', 'MigrationCaseClosed']),
  groupBy: fc.subarray([...GROUP_BY], { maxLength: 3 }),
  asOf: fc.option(fc.integer({ min: 900, max: 3000 }).map((d) => at(d).slice(0, 10))),
  cohort: fc.option(fc.constantFrom({ year: [2015, 2016] }, { route: 'asylum' }, { gender: ['female', 'male'] })),
  // Leaving Sweden (the generated closures) as a competing exit: cumulative incidences per cause.
  competing: fc.boolean(),
});
type Question = typeof question extends fc.Arbitrary<infer T> ? T : never;

function body(q: Question): Record<string, unknown> {
  return {
    from: 'ResidencePermitGranted',
    to: q.to,
    ...(q.groupBy.length > 0 ? { groupBy: q.groupBy } : {}),
    ...(q.asOf !== null ? { asOf: q.asOf } : {}),
    ...(q.cohort !== null ? { cohort: q.cohort } : {}),
    ...(q.competing && q.to === 'EmploymentStarted' ? { competing: ['left-sweden'] } : {}),
  };
}

async function truth(app: TestApp, question: Record<string, unknown>): Promise<TimeToEventResult> {
  const nowMs = Date.now();
  const parsed = parseTimeToEventBody(question, nowMs);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const table = await analyticsTable(app.kedja.runtime.db, app.kedja.runtime.projections);
  return timeToEventFromProjection(app.kedja.runtime.db, table, parsed.query, new Date(nowMs).toISOString());
}

/** Every number in an overview row that counts people, and the differences a reader would take. */
function overviewLeaks(body: { municipalities: Array<Record<string, unknown>>; anomalies?: Array<{ count: number | null }> }, k: number): string[] {
  const leaks: string[] = [];
  const small = (v: unknown) => typeof v === 'number' && v > 0 && v < k;
  for (const m of body.municipalities) {
    const r = m.received as { total: number | null; assigned: number | null; selfArranged: number | null };
    const cells: Array<[string, unknown]> = [
      ['people', m.people],
      ['received.total', r.total],
      ['received.assigned', r.assigned],
      ['received.selfArranged', r.selfArranged],
      ['assigned', m.assigned],
      ['openGaps', m.openGaps],
      ['people − received', m.people !== null && r.total !== null ? (m.people as number) - r.total : null],
      ['received − assigned − self-arranged', r.total !== null && r.assigned !== null && r.selfArranged !== null ? r.total - r.assigned - r.selfArranged : null],
    ];
    for (const [name, v] of cells) if (small(v)) leaks.push(`${String(m.municipalityCode)} ${name} = ${String(v)}`);
    const withheld = (m.suppressedFields as string[] | undefined) ?? [];
    if (withheld.length > 0 && m.suppressed !== true) leaks.push(`${String(m.municipalityCode)} withholds without "suppressed": true`);
  }
  for (const a of body.anomalies ?? []) if (small(a.count)) leaks.push(`anomaly count ${a.count}`);
  return leaks;
}

for (const k of [3, 5, 10]) {
  describeEachStore(`disclosure control over HTTP, KEDJA_MIN_CELL=${k} (property-based)`, (kind: StoreKind) => {
    let app: TestApp;
    let analyst: string;
    let county: string;

    beforeAll(async () => {
      app = await startTestApp(kind, { KEDJA_PROJECTIONS_IN_PROCESS: 'true', KEDJA_MIN_CELL: String(k) });
      analyst = await app.token('analyst', 'analyst', 'statistician');
      county = await app.token('county:22', 'caseworker');
    }, 60_000);

    afterAll(async () => {
      await app?.close();
    });

    it('no time-to-event, comparison or overview answer carries a count of 1 to k − 1, published or derivable', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(generated, { minLength: 5, maxLength: 8 * k }), fc.array(question, { minLength: 3, maxLength: 3 }), async (people, questions) => {
          await importPeople(app, people);
          for (const q of questions) {
            const b = body(q);
            const response = await app.http().post('/v1/analytics/time-to-event').set('Authorization', `Bearer ${analyst}`).send(b);
            expect(response.status).toBe(200);
            const raw = await truth(app, b);
            const groups = response.body.groups as AttackedGroup[];
            expect(attackTimeToEvent(groups, raw.groups, q.groupBy, k, { logRank: response.body.logRank })).toEqual([]);
            if (b.competing) expect(groups.every((g) => g.cumulativeIncidence?.length === 2)).toBe(true);
            expect(response.body.logRank === undefined).toBe(q.groupBy.length === 0);
            // Exactly the estimator's answer under control: nothing else is released.
            const expected = JSON.parse(JSON.stringify(controlTimeToEvent(raw, q.groupBy, k)));
            expect({ ...response.body, asOf: expected.asOf }).toEqual(expected);

            // The same question at two moments: each side as the time-to-event answer, and the movements controlled.
            const a = '2017-06-30';
            const compare = await app
              .http()
              .post('/v1/analytics/time-to-event/compare')
              .set('Authorization', `Bearer ${analyst}`)
              .send({ ...b, asOf: { a, b: '2019-12-31' } });
            expect(compare.status).toBe(200);
            const sideA = await app.http().post('/v1/analytics/time-to-event').set('Authorization', `Bearer ${analyst}`).send({ ...b, asOf: a });
            for (const g of compare.body.groups as Array<{ key: unknown; n: { a: number | null }; people: Record<string, number | null> }>) {
              const same = (sideA.body.groups as AttackedGroup[]).find((x) => JSON.stringify(x.key) === JSON.stringify(g.key));
              expect(g.n.a).toBe(same ? same.n : 0);
              for (const [field, v] of Object.entries(g.people)) expect({ field, small: v !== null && v > 0 && v < k }).toEqual({ field, small: false });
            }
          }
          const overview = await app.http().get('/v1/views/counties/22/overview').set('Authorization', `Bearer ${county}`);
          expect(overview.status).toBe(200);
          expect(overviewLeaks(overview.body, k)).toEqual([]);
        }),
        { numRuns: 3, endOnFailure: true },
      );
    }, 240_000);
  });
}

describe('KEDJA_MIN_CELL below 3', () => {
  it('stops the service at start with a message naming the setting', async () => {
    await expect(startTestApp('sqlite', { KEDJA_MIN_CELL: '2' })).rejects.toThrow(/KEDJA_MIN_CELL cannot be below 3/);
  });
});

interface SvgNode {
  readonly class?: string;
  readonly d: string;
  readonly 'data-day'?: string;
  readonly '#text'?: string | number;
  readonly g: SvgNode[];
  readonly path?: SvgNode[];
  readonly polygon?: SvgNode[];
  readonly text?: SvgNode[];
}

describeEachStore('kedja evaluate --plot', (kind: StoreKind) => {
  let app: TestApp;
  let tmp: string;

  beforeAll(async () => {
    app = await startTestApp(kind, { KEDJA_PROJECTIONS_IN_PROCESS: 'true' });
    await importPeople(
      app,
      fc.sample(generated, { numRuns: 80, seed: 7 }).map((p, i) => ({ ...p, closedAfter: null, work: i % 4 === 3 ? null : { after: (i % 9) * 30, late: 0 } })),
    );
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-plot-'));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('writes the released curves, their bands and a number-at-risk table as SVG', async () => {
    const file = path.join(tmp, 'km.svg');
    const printed = await evaluate(app.config, { from: 'ResidencePermitGranted', to: ['EmploymentStarted'], groupBy: ['route'], format: 'json', plot: file });
    const answer = JSON.parse(printed) as { groups: Array<{ key: Record<string, string>; curve: Array<{ day: number; atRisk: number; survival: number; lower: number; upper: number }> }> };
    const svg = fs.readFileSync(file, 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['g', 'text', 'path', 'polygon', 'line', 'rect'].includes(name) }).parse(svg) as { svg: SvgNode };
    const drawn = doc.svg.g.filter((g) => g.class === 'group');
    const withCurves = answer.groups.filter((g) => g.curve.length > 0);
    expect(withCurves.length).toBeGreaterThan(0);
    expect(drawn).toHaveLength(withCurves.length);
    drawn.forEach((g, i) => {
      const curve = withCurves[i].curve;
      // One horizontal and one vertical move per released step, ending at the last released survival.
      const d = g.path![0].d;
      expect((d.match(/H/g) ?? []).length).toBe(curve.length);
      const lastV = Number(d.trim().split(' ').pop()!.slice(1));
      expect(lastV).toBeCloseTo(40 + (1 - curve[curve.length - 1].survival) * 320, 1);
      expect(g.polygon![0].class).toBe('band');
    });
    // The number at risk under each tick: a released number at risk, or – past the curve.
    const cells = doc.svg.g.find((g) => g.class === 'at-risk')!.text!.filter((t) => t.class === 'at-risk-cell');
    const released = new Set(answer.groups.flatMap((g) => g.curve.map((r) => String(r.atRisk))));
    expect(cells.length).toBeGreaterThan(0);
    for (const cell of cells) if (cell['#text'] !== '–') expect(released.has(String(cell['#text']))).toBe(true);
    const day0 = cells.filter((t) => t['data-day'] === '0').map((t) => String(t['#text']));
    expect(day0).toEqual(answer.groups.map((g) => (g.curve.length > 0 ? String(g.curve[0].atRisk) : '–')));
    expect(svg).toContain('Disclosure control: no value describes fewer than 5 people');
  });
});
