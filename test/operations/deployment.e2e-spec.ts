import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

// No Docker engine runs the tests, so the image and compose invariants are read from the files
// themselves: what an operator relies on without reading them.
const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface Stage { readonly name?: string; readonly from: string; readonly lines: string[] }

function stages(dockerfile: string): Stage[] {
  const args = new Map([...dockerfile.matchAll(/^ARG (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  const result: Stage[] = [];
  const logical = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of logical) {
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(line);
    if (from) result.push({ from: from[1].replace(/\$\{(\w+)\}/g, (_, n: string) => args.get(n) ?? ''), name: from[2], lines: [] });
    else result.at(-1)?.lines.push(line);
  }
  return result;
}

describe('the container image (Dockerfile)', () => {
  const all = stages(read('Dockerfile'));
  const final = all.at(-1)!;

  it('is multi-stage on a supported Node LTS (22 or 24), not an end-of-life one', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    const bases = all.map((s) => s.from).filter((f) => f.startsWith('node:'));
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^node:(22|24)[.-]/);
  });

  it('runs as a non-root user, with production dependencies only and no build tools or sources', () => {
    const users = final.lines.filter((l) => l.startsWith('USER '));
    expect(users.at(-1)).toMatch(/^USER (node|\d{3,})$/);
    const copies = final.lines.filter((l) => l.startsWith('COPY '));
    expect(copies.some((l) => / \. \.$/.test(l))).toBe(false);
    expect(copies.some((l) => /^COPY (apps|libs|test) /.test(l))).toBe(false);
    // node_modules comes from a stage that installed with --omit=dev and nothing more.
    const modules = copies.find((l) => l.includes('node_modules'))!;
    const source = all.find((s) => s.name === /--from=(\S+)/.exec(modules)![1])!;
    const installs = source.lines.filter((l) => /npm (ci|install)/.test(l));
    expect(installs).toEqual([expect.stringContaining('--omit=dev')]);
    expect(final.lines.some((l) => /npm (ci|install)/.test(l))).toBe(false);
    expect(final.lines.some((l) => /apt-get install/.test(l))).toBe(false);
  });

  it('has a healthcheck on the readiness probe and stops on SIGTERM', () => {
    expect(final.lines.find((l) => l.startsWith('HEALTHCHECK'))).toContain('/health/ready');
    expect(final.lines).toContain('STOPSIGNAL SIGTERM');
  });

  it('copies only what .dockerignore lets through, and .dockerignore keeps data and feeds out', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const needed of ['node_modules', 'dist', 'data', 'demo-data', '*.ndjson', 'feeds', '*.sqlite', '.env', '.git']) expect(ignored).toContain(needed);
    for (const stage of all) {
      for (const line of stage.lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
        const sources = line.split(/\s+/).slice(1, -1);
        for (const source of sources) {
          expect(fs.existsSync(path.join(ROOT, source))).toBe(true);
          expect(ignored).not.toContain(source);
        }
      }
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Record<string, any>> };
  const services = compose.services;

  it('runs the api and the projector from one image, built once', () => {
    expect(services.api.image).toBeDefined();
    expect(services.projector.image).toBe(services.api.image);
    expect(Object.values(services).filter((s) => s.build !== undefined)).toHaveLength(1);
    expect(services.projector.pull_policy).toBe('never');
  });

  it('gives every service a restart policy and a healthcheck; Kedja\'s on their readiness probes', () => {
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.restart]).toEqual([name, expect.stringMatching(/^(unless-stopped|always|on-failure)/)]);
      expect([name, Array.isArray(service.healthcheck?.test)]).toEqual([name, true]);
    }
    expect(services.api.healthcheck.test.join(' ')).toContain(`127.0.0.1:${services.api.environment.PORT}/health/ready`);
    expect(services.projector.healthcheck.test.join(' ')).toContain(`127.0.0.1:${services.projector.environment.KEDJA_PROJECTOR_PORT}/health/ready`);
  });

  it('keeps secrets out of the file: the database password comes from the environment file', () => {
    expect(services.postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
    for (const name of ['api', 'projector']) expect(services[name].environment.DATABASE_URL).toMatch(/^postgres:\/\/kedja:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/kedja$/);
    expect(read('.gitignore').split('\n')).toContain('.env');
    expect(fs.existsSync(path.join(ROOT, '.env.example'))).toBe(true);
  });

  it('lets each Kedja process drain: the grace period exceeds KEDJA_SHUTDOWN_TIMEOUT', () => {
    for (const name of ['api', 'projector']) {
      const grace = Number(/^(\d+)s$/.exec(services[name].stop_grace_period)![1]);
      expect(grace).toBeGreaterThan(Number(services[name].environment.KEDJA_SHUTDOWN_TIMEOUT));
    }
  });
});
