import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestApp, type TestApp } from '../support/test-app';
import { caseOpened, dossier } from '../support/events';

// The Grafana dashboard in the repo may only chart what Kedja exports: every series it queries is
// on a live /metrics (or the projector's, whose own series are listed), under that exact name.
const dashboard = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../ops/grafana/kedja-dashboard.json'), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};
const PROJECTOR_ONLY = ['kedja_projection_owned'];
const PROMQL_WORDS = new Set(['sum', 'by', 'rate', 'max', 'count', 'histogram_quantile', 'le', 'route', 'status', 'code', 'projection', 'store', 'operation', 'state', 'instance', 'version', 'node', 'job']);

describe('ops/grafana/kedja-dashboard.json', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('postgres');
  });
  afterAll(() => app?.close());

  it('queries only series Kedja exports', async () => {
    const token = await app.token('migrationsverket', 'integration');
    await app.http().post('/v1/events').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(JSON.stringify(caseOpened(dossier())));
    const exported = (await app.http().get('/metrics')).text;
    const names = new Set([...exported.matchAll(/^# TYPE (\S+) (\w+)$/gm)].flatMap(([, name, type]) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name])));
    for (const name of PROJECTOR_ONLY) names.add(name);
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const series = [...target.expr.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').matchAll(/[a-z_][a-z0-9_]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w));
        expect(series.length).toBeGreaterThan(0);
        for (const name of series) expect([panel.title, name, names.has(name)]).toEqual([panel.title, name, true]);
      }
    }
  });

  it('lists the projector\'s own series in its /metrics (apps/projector/src/observe.ts)', () => {
    const source = fs.readFileSync(path.resolve(__dirname, '../../apps/projector/src/observe.ts'), 'utf8');
    for (const name of PROJECTOR_ONLY) expect(source).toContain(`name: '${name}'`);
  });
});
