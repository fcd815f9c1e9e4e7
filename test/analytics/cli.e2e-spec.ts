import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { evaluate, UsageError } from '../../apps/cli/src/evaluate/evaluate';
import { runExport } from '../../apps/cli/src/export/export';
import { describeEachStore, startTestApp, type StoreKind, type TestApp } from '../support/test-app';
import { importHealthOnly, importPopulation } from './population';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const parquet = require('parquetjs-lite') as {
  ParquetReader: {
    openFile(file: string): Promise<{ getRowCount(): number | bigint; getCursor(): { next(): Promise<Record<string, unknown> | null> }; close(): Promise<void> }>;
  };
};

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const PNR = /\b(19|20)\d{10}\b/;
const DOSSIER = /\b\d{2}-\d{6}\b/;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describeEachStore('kedja evaluate and kedja export', (kind: StoreKind) => {
  let app: TestApp;
  let personIds: string[];
  let tmp: string;

  beforeAll(async () => {
    app = await startTestApp(kind, { KEDJA_PROJECTIONS_IN_PROCESS: 'true' });
    personIds = [...(await importPopulation(app)).values()];
    await importHealthOnly(app);
    await app.kedja.runtime.projections!.waitUntilCaughtUp();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kedja-export-'));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('evaluate --format json prints what the API answers for the same question', async () => {
    const body = { from: 'ResidencePermitGranted', to: ['EmploymentStarted', 'BusinessStarted'], cohort: { year: 2016 }, groupBy: 'gender', asOf: '2019-12-31' };
    const api = await app
      .http()
      .post('/v1/analytics/time-to-event')
      .set('Authorization', `Bearer ${await app.token('analyst', 'analyst')}`)
      .send(body);
    expect(api.status).toBe(200);
    const printed = await evaluate(app.config, {
      from: 'ResidencePermitGranted',
      to: ['EmploymentStarted', 'BusinessStarted'],
      cohort: ['year=2016'],
      groupBy: ['gender'],
      asOf: '2019-12-31',
      format: 'json',
    });
    expect(JSON.parse(printed)).toEqual(api.body);
  });

  it('evaluate prints a table line and a CSV row per group', async () => {
    const options = { from: 'ResidencePermitGranted', to: ['EmploymentStarted'], cohort: ['year=2016'], groupBy: ['gender'], asOf: '2019-12-31' };
    const table = await evaluate(app.config, { ...options, format: 'table' });
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toBe('as of 2019-12-31T23:59:59.999Z');
    expect(lines[1]).toMatch(/^group\s+n\s+events\s+censored\s+median days \[95% CI\]\s+by 90 d\s+by 365 d\s+by 730 d$/);
    expect(lines[2]).toMatch(/^gender=female\s+6\s+3\s+3\s+456 \[/);
    // S = ½ from day 365 to the end of follow-up at 1247: R's midpoint rule gives 806.
    expect(lines[3]).toMatch(/^gender=male\s+4\s+2\s+2\s+806 \[.*\]\s+0\.0%\s+50\.0%\s+50\.0%$/);
    expect(lines[5]).toMatch(/^log-rank test across the groups: chi-square \d+\.\d{3} on 1 df, p = 0\.\d+$/);
    const csv = await evaluate(app.config, { ...options, format: 'csv' });
    const rows = csv.trimEnd().split('\r\n').map((l) => l.split(','));
    expect(rows[0]).toEqual(['gender', 'n', 'events', 'censored', 'median', 'medianLower', 'medianUpper', 'share90', 'share365', 'share730', 'asOf']);
    expect(rows.slice(1).map((r) => r.slice(0, 5))).toEqual([
      ['female', '6', '3', '3', '456'],
      ['male', '4', '2', '2', '806'],
    ]);
  });

  it('evaluate --competing adds cumulative incidences per cause', async () => {
    const table = await evaluate(app.config, {
      from: 'ResidencePermitGranted',
      to: ['EmploymentStarted'],
      competing: ['left-sweden'],
      cohort: ['year=2016'],
      asOf: '2019-12-31',
    });
    const lines = table.trimEnd().split('\n');
    const at = lines.findIndex((l) => l.startsWith('cumulative incidence'));
    expect(lines[at]).toMatch(/^cumulative incidence\s+cause\s+events\s+by 90 d\s+by 365 d\s+by 730 d$/);
    expect(lines[at + 1]).toMatch(/^all\s+to\s+5\s/);
    expect(lines[at + 2]).toMatch(/^all\s+left-sweden\s+2\s/);
  });

  it('evaluate refuses bad options with the API\'s messages', async () => {
    await expect(evaluate(app.config, { from: 'Nope', to: ['EmploymentStarted'], cohort: ['gender=other'] })).rejects.toThrow(UsageError);
    await expect(evaluate(app.config, { from: 'Nope', to: ['EmploymentStarted'], cohort: ['gender=other'] })).rejects.toThrow(/--from \(from\).*\n--cohort \(cohort\.gender\)/s);
    await expect(evaluate(app.config, { from: 'ResidencePermitGranted', to: ['EmploymentStarted'], format: 'xml' })).rejects.toThrow(/--format/);
  });

  it('export --format csv: one row per visible event, pseudonymised, without identifiers or health facts', async () => {
    const out = collector();
    const summary = await runExport(app.config, { format: 'csv' }, out.stream);
    const text = out.text();
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('pseudonym,type,time,recordedTime,data');
    // 34 events of the population minus a retracted job and its retraction; H's 4 minus the health examination.
    expect(summary).toEqual({ persons: 12, rows: 35 });
    expect(lines).toHaveLength(36);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(12);
    expect(text).not.toMatch(PNR);
    expect(text).not.toMatch(DOSSIER);
    expect(text).not.toMatch(UUID);
    expect(text).not.toContain('HealthExamination');
    expect(text).not.toContain('EventRetracted');
    expect(text).not.toContain('personalIdentityNumber');
    for (const id of personIds) expect(text).not.toContain(id);
    // A fresh key per export: the same person gets another pseudonym next time.
    const again = collector();
    await runExport(app.config, { format: 'csv' }, again.stream);
    expect(again.text().split('\r\n')[1].split(',')[0]).not.toBe(lines[1].split(',')[0]);
  });

  it('export --as-of leaves out what was recorded later', async () => {
    const out = collector();
    const summary = await runExport(app.config, { format: 'csv', asOf: '2019-12-31' }, out.stream);
    // The two jobs reported in 2020 are not known yet.
    expect(summary.rows).toBe(33);
  });

  it('export --kind episodes --format parquet writes a file ParquetReader reads back', async () => {
    const file = path.join(tmp, 'episodes.parquet');
    const summary = await runExport(
      app.config,
      { format: 'parquet', kind: 'episodes', from: 'ResidencePermitGranted', to: ['EmploymentStarted'], cohort: ['year=2016'], asOf: '2019-12-31', out: file },
      collector().stream,
    );
    expect(summary.rows).toBe(10);
    const reader = await parquet.ParquetReader.openFile(file);
    try {
      expect(Number(reader.getRowCount())).toBe(10);
      const cursor = reader.getCursor();
      const rows: Array<Record<string, unknown>> = [];
      for (let row = await cursor.next(); row; row = await cursor.next()) rows.push(row);
      expect(rows).toHaveLength(10);
      expect(Object.keys(rows[0]).sort()).toEqual(
        ['pseudonym', 'year', 'gender', 'route', 'ageBand', 'start', 'end', 'days', 'event'].concat(Object.keys(rows[0]).filter((k) => ['countyCode', 'municipalityCode', 'highestEducation', 'endType', 'censoredBy'].includes(k))).sort(),
      );
      expect(rows.filter((r) => r.gender === 'female').map((r) => Number(r.days)).sort((a, b) => a - b)).toEqual([184, 365, 365, 456, 1339, 1429]);
      expect(rows.filter((r) => r.gender === 'male').map((r) => Number(r.event)).reduce((a, b) => a + b, 0)).toBe(2);
      const dump = JSON.stringify(rows);
      expect(dump).not.toMatch(PNR);
      expect(dump).not.toMatch(DOSSIER);
      for (const id of personIds) expect(dump).not.toContain(id);
    } finally {
      await reader.close();
    }
  });

  it('export --format parquet of events has the same rows as CSV', async () => {
    const file = path.join(tmp, 'events.parquet');
    const summary = await runExport(app.config, { format: 'parquet', out: file }, collector().stream);
    expect(summary.rows).toBe(35);
    const reader = await parquet.ParquetReader.openFile(file);
    try {
      expect(Number(reader.getRowCount())).toBe(35);
      const cursor = reader.getCursor();
      const types: string[] = [];
      for (let row = await cursor.next(); row; row = await cursor.next()) {
        types.push(String(row.type));
        expect(JSON.stringify(row)).not.toMatch(PNR);
      }
      expect(types).not.toContain('HealthExaminationOffered');
      expect(types.filter((t) => t === 'PopulationRegistered')).toHaveLength(1);
    } finally {
      await reader.close();
    }
  });

  it('export refuses parquet to standard output and episode options without --kind episodes', async () => {
    await expect(runExport(app.config, { format: 'parquet' }, collector().stream)).rejects.toThrow(/--out/);
    await expect(runExport(app.config, { format: 'csv', from: 'ResidencePermitGranted' }, collector().stream)).rejects.toThrow(/episodes/);
    await expect(runExport(app.config, { format: 'csv', kind: 'episodes', from: 'ResidencePermitGranted' }, collector().stream)).rejects.toThrow(/--to/);
  });
});

describe('kedja evaluate on a store the analytics projection has never seen', () => {
  it('builds the projection before answering', async () => {
    const app = await startTestApp('sqlite', { KEDJA_PROJECTIONS_IN_PROCESS: 'false' });
    try {
      await importPopulation(app);
      const result = JSON.parse(
        await evaluate(app.config, { from: 'ResidencePermitGranted', to: ['EmploymentStarted'], cohort: ['year=2016'], asOf: '2019-12-31', format: 'json' }),
      );
      expect(result.groups[0]).toMatchObject({ n: 10, events: 5, censored: 5 });
    } finally {
      await app.close();
    }
  });
});
