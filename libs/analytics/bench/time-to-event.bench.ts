// Times timeToEvent on synthetic histories. Run from the repository root:
//   npx tsc --outDir /tmp/analytics-bench --module commonjs --target es2022 --skipLibCheck \
//     --types node libs/analytics/bench/time-to-event.bench.ts
//   node --expose-gc /tmp/analytics-bench/bench/time-to-event.bench.js 200000
import { timeToEvent } from '../src';
import type { AnalyticsEvent, PersonHistory } from '../src';

const MUNICIPALITIES = ['0180', '1480', '1280', '2281', '0780', '0114', '2480', '1880'];
const DAY = 86_400_000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', '+00:00');
}

export function synthesise(n: number): PersonHistory[] {
  let seed = 42;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff);
  const people: PersonHistory[] = [];
  for (let p = 0; p < n; p++) {
    const events: AnalyticsEvent[] = [];
    let t = Date.UTC(2014, 0, 1) + Math.floor(rand() * 3 * 365) * DAY;
    const add = (type: string, data: Record<string, unknown>, lateDays = 0) => {
      events.push({ eventId: `${p}-${events.length}`, source: 'urn:se:bench', type, time: iso(t), recordedTime: iso(t + lateDays * DAY), data });
    };
    const muni = MUNICIPALITIES[Math.floor(rand() * MUNICIPALITIES.length)];
    add('MigrationCaseOpened', { route: 'asylum', birthYear: 1960 + Math.floor(rand() * 45), gender: rand() < 0.6 ? 'male' : 'female', citizenship: 'SYR' });
    add('ReceptionHousingAssigned', { housingType: 'ABO', municipalityCode: muni });
    t += Math.floor(100 + rand() * 300) * DAY;
    add('ResidencePermitGranted', { permitType: 'temporary', ground: 'refugee' });
    t += Math.floor(rand() * 120) * DAY;
    add('SettledInMunicipality', { municipalityCode: muni, arrangement: 'self-arranged' });
    add('PopulationRegistered', { personalIdentityNumber: '199001012384', municipalityCode: muni });
    t += Math.floor(rand() * 90) * DAY;
    add('SfiEnrolled', { studyPath: 2, course: 'B' });
    add('CivicOrientationStarted', { language: 'ar', plannedHours: 100 });
    t += 30 * DAY;
    add('EstablishmentProgrammeStarted', { plannedEndDate: '2019-01-01' });
    add('CompetenceMapped', { yearsOfSchooling: 10, highestEducation: rand() < 0.5 ? 'primary' : 'upper-secondary' });
    t += Math.floor(rand() * 200) * DAY;
    add('SfiCoursePassed', { course: 'B', grade: 'C' });
    add('CivicOrientationCompleted', { hours: 100 });
    if (rand() < 0.7) {
      t += Math.floor(rand() * 1500) * DAY;
      if (t < Date.UTC(2024, 0, 1)) add('EmploymentStarted', { occupation: '5120', form: 'regular' }, rand() < 0.1 ? 200 : 0);
    }
    people.push({ personId: `person-${p}`, events });
  }
  return people;
}

function* cycle(distinct: PersonHistory[], n: number): Generator<PersonHistory> {
  for (let i = 0; i < n; i++) yield distinct[i % distinct.length];
}

async function time(label: string, run: () => Promise<unknown>): Promise<void> {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await run();
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  console.log(`${label}: ${wall.toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`);
}

/**
 * Two shapes: "streamed" cycles 20,000 distinct histories to 200,000 people, so the live heap stays
 * small as it does when histories arrive from a store cursor; "in memory" holds all 200,000 (about
 * 2 GB of objects), whose first run also pays the garbage collector for what the generator built.
 */
async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200_000);
  const query = {
    from: 'ResidencePermitGranted',
    to: ['EmploymentStarted', 'EducationStarted'],
    groupBy: ['gender', 'municipalityCode'],
    asOf: '2020-01-01T00:00:00+01:00',
  };
  const now = '2025-01-01T00:00:00Z';
  // Through JSON as the store would hand it over: flat strings rather than the concatenations the
  // generator builds, which V8 flattens on first access and would bill to the first run.
  const distinct = JSON.parse(JSON.stringify(synthesise(20_000))) as PersonHistory[];
  (globalThis as { gc?: () => void }).gc?.();
  for (let run = 0; run < 3; run++) {
    await time(`streamed ${n} people, grouped, run ${run}`, () => timeToEvent(cycle(distinct, n), query, now));
  }
  await time(`streamed ${n} people, one group`, () => timeToEvent(cycle(distinct, n), { from: query.from, to: query.to }, now));
  const people = JSON.parse(JSON.stringify(synthesise(n))) as PersonHistory[];
  (globalThis as { gc?: () => void }).gc?.();
  const events = people.reduce((s, p) => s + p.events.length, 0);
  for (let run = 0; run < 3; run++) {
    await time(`in memory ${n} people (${events} events), grouped, run ${run}`, () => timeToEvent(people, query, now));
  }
}

if (require.main === module) void main();
