import { PassThrough, Writable } from 'node:stream';
import { closed, employed, event, opened, permit, person, retraction } from '../testing/histories';
import type { PersonHistory } from '../types';
import { csvField, csvSink } from './csv-sink';
import { exportEpisodes, exportEvents } from './exports';
import type { TableSink } from './table-sink';

const NOW = '2025-01-01T00:00:00Z';
const PNR = '199001012384';
const DOSSIER = '12-345678';

function collect(): { sink: TableSink; text: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  return { sink: csvSink(out), text: () => Buffer.concat(chunks).toString('utf8') };
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

function population(): PersonHistory[] {
  const wrongJob = employed('2017-01-01T00:00:00Z');
  return [
    person(
      opened('2015-09-01T00:00:00Z'),
      permit('2016-02-01T00:00:00Z'),
      event('PopulationRegistered', '2016-03-01T00:00:00Z', { personalIdentityNumber: PNR, municipalityCode: '2281' }),
      event('HealthExaminationOffered', '2016-03-15T00:00:00Z'),
      event('HealthExaminationCompleted', '2016-04-15T00:00:00Z'),
      event('BusinessStarted', '2018-01-01T00:00:00Z', { organisationNumber: '9001012384' }),
      event('EmploymentStarted', '2016-08-01T00:00:00Z', { occupation: '5120', form: 'regular', employer: '5560360793' }),
      wrongJob,
      retraction(wrongJob, '2017-02-01T00:00:00Z'),
    ),
    person(opened('2015-10-01T00:00:00Z', { gender: 'male' }), permit('2016-05-01T00:00:00Z'), closed('2016-12-01T00:00:00Z')),
    person(opened('2015-10-01T00:00:00Z', { gender: 'male' })),
  ];
}

describe('csv', () => {
  it('quotes by RFC 4180: only fields with a quote, comma or line break, quotes doubled', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(null)).toBe('');
    expect(csvField(12)).toBe('12');
  });

  it('writes a header, CRLF line ends, and waits for a slow destination', async () => {
    let written = '';
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, done) {
        written += chunk.toString('utf8');
        setImmediate(done);
      },
    });
    const sink = csvSink(slow, { chunkBytes: 8 });
    await sink.start([{ name: 'a', type: 'string', nullable: false }, { name: 'b', type: 'json', nullable: true }]);
    for (let i = 0; i < 50; i++) {
      const p = sink.row([`r${i}`, '{"x":"1,2"}']);
      if (p) await p;
    }
    await sink.finish();
    const rows = parseCsv(written);
    expect(rows[0]).toEqual(['a', 'b']);
    expect(rows).toHaveLength(51);
    expect(rows[50]).toEqual(['r49', '{"x":"1,2"}']);
    expect(written.endsWith('\r\n')).toBe(true);
  });
});

describe('exportEvents', () => {
  it('has no personnummer, organisationsnummer, dossier number, person id or health event', async () => {
    const histories = population();
    const { sink, text } = collect();
    const summary = await exportEvents(histories, sink, { now: NOW });
    const csv = text();
    expect(csv).not.toContain(PNR);
    expect(csv).not.toContain('9001012384');
    expect(csv).not.toContain('5560360793');
    expect(csv).not.toContain(DOSSIER);
    expect(csv).not.toMatch(/HealthExamination/);
    expect(csv).not.toMatch(/EventRetracted|reported in error/);
    for (const h of histories) expect(csv).not.toContain(h.personId);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual(['pseudonym', 'type', 'time', 'recordedTime', 'data']);
    // Person 1: opened, permit, registered, business, employment (the retracted job is gone);
    // person 2: opened, permit, closed; person 3: opened.
    expect(summary).toEqual({ persons: 3, rows: 9 });
    const registered = rows.find((r) => r[1] === 'PopulationRegistered')!;
    expect(JSON.parse(registered[4])).toEqual({ municipalityCode: '2281' });
    expect(rows.filter((r) => r[1] === 'EmploymentStarted')).toHaveLength(1);
  });

  it('orders a person’s events by event time', async () => {
    const { sink, text } = collect();
    await exportEvents(population().slice(0, 1), sink, { now: NOW });
    const times = parseCsv(text()).slice(1).map((r) => r[2]);
    expect(times).toEqual([...times].sort());
  });

  it('keeps pseudonyms stable within an export and unlinkable across exports', async () => {
    const histories = population();
    const first = collect();
    const second = collect();
    await exportEvents(histories, first.sink, { now: NOW });
    await exportEvents(histories, second.sink, { now: NOW });
    const pseudonyms = (csv: string) => parseCsv(csv).slice(1).map((r) => r[0]);
    const a = pseudonyms(first.text());
    const b = pseudonyms(second.text());
    expect(new Set(a.slice(0, 5)).size).toBe(1);
    expect(new Set(a).size).toBe(3);
    expect(a[0]).toMatch(/^[0-9a-f]{20}$/);
    expect(new Set(a).size + new Set(b).size).toBe(new Set([...a, ...b]).size);
  });

  it('repeats pseudonyms when the caller supplies the secret', async () => {
    const histories = population();
    const secret = 'a-secret-of-at-least-16-bytes';
    const first = collect();
    const second = collect();
    await exportEvents(histories, first.sink, { now: NOW, secret });
    await exportEvents(histories, second.sink, { now: NOW, secret });
    expect(first.text()).toBe(second.text());
  });

  it('exports what was known as of a moment', async () => {
    const { sink, text } = collect();
    const summary = await exportEvents(population(), sink, { now: NOW, asOf: '2016-02-15T00:00:00Z' });
    expect(summary.rows).toBe(4);
    expect(text()).not.toContain('EmploymentStarted');
  });
});

describe('exportEpisodes', () => {
  it('writes one pseudonymised row per episode with attributes, dates, days and 0/1 event', async () => {
    const { sink, text } = collect();
    const summary = await exportEpisodes(population(), { from: 'ResidencePermitGranted', to: 'EmploymentStarted' }, sink, { now: NOW });
    const csv = text();
    expect(summary.rows).toBe(2);
    expect(csv).not.toContain(PNR);
    const [header, ...rows] = parseCsv(csv);
    expect(header).toEqual([
      'pseudonym', 'year', 'countyCode', 'municipalityCode', 'gender', 'route', 'ageBand', 'highestEducation',
      'start', 'end', 'days', 'event', 'endType', 'censoredBy',
    ]);
    const byEvent = Object.fromEntries(rows.map((r) => [r[11], Object.fromEntries(header.map((h, i) => [h, r[i]]))]));
    expect(byEvent['1']).toMatchObject({
      year: '2016', countyCode: '22', municipalityCode: '2281', gender: 'female', ageBand: '25-34', highestEducation: '',
      start: '2016-02-01T00:00:00Z', end: '2016-08-01T00:00:00Z', days: '182', endType: 'EmploymentStarted', censoredBy: '',
    });
    expect(byEvent['0']).toMatchObject({ gender: 'male', end: '2016-12-01T00:00:00Z', days: '214', censoredBy: 'closure' });
  });

  it('applies a cohort filter', async () => {
    const { sink } = collect();
    const summary = await exportEpisodes(
      population(),
      { from: 'ResidencePermitGranted', to: 'EmploymentStarted', cohort: { gender: 'male' } },
      sink,
      { now: NOW },
    );
    expect(summary.rows).toBe(1);
  });
});
