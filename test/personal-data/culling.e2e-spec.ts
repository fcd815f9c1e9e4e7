import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig, ConfigError } from '../../apps/api/src/config/config';
import { DailyCulling } from '../../apps/api/src/personal-data/culling';
import { runCull } from '../../apps/cli/src/cull/cull';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { dossier, personnummer } from '../support/events';

const sink = () => {
  let text = '';
  return { stream: new Writable({ write(chunk: Buffer, _e, done) { text += chunk.toString(); done(); } }), text: () => text };
};
const yearsAgo = (years: number) => {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.toISOString();
};

describe('retention settings', () => {
  it('defaults to 5 years of audit records and no identifier culling, and refuses less than 5 years', () => {
    expect(loadConfig({}).retention).toEqual({ auditYears: 5, identifierYears: null });
    expect(loadConfig({ KEDJA_RETENTION_AUDIT: '7y', KEDJA_RETENTION_IDENTIFIERS: '10y' }).retention).toEqual({ auditYears: 7, identifierYears: 10 });
    expect(() => loadConfig({ KEDJA_RETENTION_AUDIT: '4y' })).toThrow(ConfigError);
    expect(() => loadConfig({ KEDJA_RETENTION_AUDIT: 'off' })).toThrow(ConfigError);
    expect(() => loadConfig({ KEDJA_RETENTION_IDENTIFIERS: '10 years' })).toThrow(ConfigError);
  });
});

describeEachStore('culling (kedja cull and the daily run)', (kind) => {
  let app: TestApp;
  let oldCase: { personId: string; pnr: string; dossier: string };
  let recentCase: { personId: string; dossier: string };

  const importCase = async (closedYearsAgo: number) => {
    const admin = await app.token('platform', 'admin', 'importer');
    const d = dossier();
    const pnr = personnummer(1980);
    const at = (y: number) => yearsAgo(y);
    const base = { specversion: '1.0', subject: `dossier:${d}` };
    const events = [
      { ...base, id: randomUUID(), source: 'urn:se:migrationsverket:case', actor: 'migrationsverket', type: 'MigrationCaseOpened', time: at(closedYearsAgo + 2), recordedtime: at(closedYearsAgo + 2), data: { route: 'asylum', birthYear: 1980, gender: 'male', citizenship: 'SYR' } },
      { ...base, id: randomUUID(), source: 'urn:se:skatteverket:fb', actor: 'skatteverket', type: 'PopulationRegistered', time: at(closedYearsAgo + 1), recordedtime: at(closedYearsAgo + 1), data: { personalIdentityNumber: pnr, municipalityCode: '2281' } },
      { ...base, id: randomUUID(), source: 'urn:se:migrationsverket:case', actor: 'migrationsverket', type: 'MigrationCaseClosed', time: at(closedYearsAgo), recordedtime: at(closedYearsAgo), data: { reason: 'citizenship' } },
    ];
    const response = await app.http().post('/v1/events').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/cloudevents-batch+json').send(JSON.stringify(events));
    expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(['recorded', 'recorded', 'recorded']);
    return { personId: response.body.results[0].personId as string, pnr, dossier: d };
  };
  const auditRow = (at: string, personId: string) =>
    app.kedja.runtime.db.execute('INSERT INTO audit_log (at, sub, actor, action, person_id, route, purpose, as_of, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [at, 'old-reader', 'migrationsverket', 'timeline', personId, 'GET /v1/persons/{subject}/timeline', null, null, 'read']);
  const auditCount = async () => Number((await app.kedja.runtime.db.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM audit_log'))[0].n);

  beforeAll(async () => {
    app = await startTestApp(kind, { KEDJA_RETENTION_IDENTIFIERS: '10y' });
    oldCase = await importCase(11);
    recentCase = await importCase(3);
    await auditRow(yearsAgo(6), oldCase.personId);
    await auditRow(yearsAgo(4), oldCase.personId);
  }, 60_000);
  afterAll(() => app?.close());

  it('reports in a dry run what it would cull, and changes nothing', async () => {
    const out = sink();
    const report = await runCull(app.config, { dryRun: true }, out.stream);
    expect(report).toMatchObject({ dryRun: true, auditRecords: 1, personsErased: 1 });
    expect(out.text()).toMatch(/audit records: would cull 1 recorded before .*\nidentifiers: would cull for 1 persons whose case closed before /);
    expect(await auditCount()).toBe(2);
    expect(await app.kedja.runtime.store.resolveIdentity('pnr', app.kedja.runtime.personalData.index('pnr', oldCase.pnr))).toBe(oldCase.personId);
  });

  it('the database refuses to delete an audit record younger than five years, whatever asks it to', async () => {
    // Settled to a value (rows changed, or the error) so that a failure shows which it was.
    const deleted = await app.kedja.runtime.db.execute('DELETE FROM audit_log WHERE sub = $1 AND at > $2', ['old-reader', yearsAgo(5)]).then((n) => `deleted ${n}`, (e: Error) => e.message);
    expect(deleted).toMatch(/append-only/);
    const before = JSON.stringify(await app.kedja.runtime.db.query('SELECT seq, at, sub, purpose FROM audit_log'));
    const updated = await app.kedja.runtime.db.execute("UPDATE audit_log SET purpose = 'x' WHERE sub = $1", ['old-reader']).then((n) => `updated ${n}; rows before: ${before}`, (e: Error) => e.message);
    expect(updated).toMatch(/append-only/);
    expect(await auditCount()).toBe(2);
  });

  it('culls: audit records past retention, identifiers of cases closed past retention; counted in /metrics by the daily run', async () => {
    const report = await app.kedja.app.get(DailyCulling).runOnce();
    expect(report).toMatchObject({ dryRun: false, auditRecords: 1, personsErased: 1 });
    // The young audit record stays; the erasure added its own.
    const rows = await app.kedja.runtime.db.query<{ at: string; action: string }>('SELECT at, action FROM audit_log ORDER BY seq');
    expect(rows.map((r) => r.action)).toEqual(['timeline', 'erasure']);
    const { store, personalData } = app.kedja.runtime;
    expect(await store.resolveIdentity('pnr', personalData.index('pnr', oldCase.pnr))).toBeNull();
    expect(await store.resolveIdentity('dossier', personalData.index('dossier', oldCase.dossier))).toBeNull();
    expect((await store.readStream(oldCase.personId)).at(-1)).toMatchObject({ type: 'PersonalDataErased', data: { reason: 'culling-decision' } });
    expect(await store.resolveIdentity('dossier', personalData.index('dossier', recentCase.dossier))).toBe(recentCase.personId);
    const metrics = await app.http().get('/metrics');
    expect(metrics.text).toMatch(/kedja_culled_total\{kind="audit-record"\} 1/);
    expect(metrics.text).toMatch(/kedja_culled_total\{kind="person-identifiers"\} 1/);
    // A second run has nothing left to do.
    const again = sink();
    expect(await runCull(app.config, { dryRun: false }, again.stream)).toMatchObject({ auditRecords: 0, personsErased: 0 });
  });
});
