import Personnummer from 'personnummer';
import { FeedChecker } from './check';
import { simulate, stories, DEFAULT_NOW, type SimulationOptions } from './index';

const lines = (options: SimulationOptions) => [...simulate(options)].map((e) => JSON.stringify(e)).join('\n');

describe('simulate', () => {
  it('is deterministic: the same seed and options give byte-identical output, another seed another', () => {
    const a = lines({ persons: 1500, seed: 42 });
    expect(lines({ persons: 1500, seed: 42 })).toBe(a);
    expect(lines({ persons: 1500, seed: 43 })).not.toBe(a);
    expect(a.length).toBeGreaterThan(1500 * 200);
  });

  it('gives the same bytes whether or not it spills to disk (external merge is exact)', () => {
    const inMemory = lines({ persons: 3000, seed: 5 });
    const stats = { persons: 0, events: 0, maxBuffered: 0, spilledRuns: 0 };
    const spilled = lines({ persons: 3000, seed: 5, bufferLimit: 500, stats });
    expect(stats.spilledRuns).toBeGreaterThan(3);
    expect(spilled).toBe(inMemory);
  });

  it('produces a feed the service would record in full: envelope, data, subjects, recording rules, order, no future', () => {
    const checker = new FeedChecker(DEFAULT_NOW);
    let count = 0;
    for (const e of simulate({ persons: 2500, seed: 11 })) {
      checker.check(e);
      count++;
    }
    expect(checker.problems).toEqual([]);
    expect(count).toBeGreaterThan(20_000);
  });

  it('respects a custom now and year range: nothing happens or is recorded after now, arrivals within the range', () => {
    const now = '2017-06-30T00:00:00Z';
    const checker = new FeedChecker(now);
    let opened = 0;
    for (const e of simulate({ persons: 2000, seed: 3, fromYear: 2014, toYear: 2016, now })) {
      checker.check(e);
      if (e.type === 'MigrationCaseOpened') {
        opened++;
        expect(e.time >= '2014-01-01' && e.time < '2017-01-01').toBe(true);
      }
    }
    expect(checker.problems).toEqual([]);
    expect(opened).toBe(2000);
  });

  it('issues valid, unique personnummer whose 9th digit matches the gender, and unique dossier numbers', () => {
    const pnrs = new Set<string>();
    const dossiers = new Set<string>();
    const problems: string[] = [];
    let samordningsnummer = 0;
    for (const story of stories({ persons: 20_000, seed: 9 })) {
      const opened = story.events[0].event;
      if (opened.type !== 'MigrationCaseOpened' || dossiers.has(opened.subject)) problems.push(`dossier ${opened.id}`);
      dossiers.add(opened.subject);
      for (const { event } of story.events) {
        if (event.type !== 'PopulationRegistered') continue;
        const pnr = String(event.data.personalIdentityNumber);
        if (!Personnummer.valid(pnr, { allowCoordinationNumber: true, allowInterimNumber: false })) problems.push(`invalid ${event.id}`);
        if ((Number(pnr[10]) % 2 === 1) !== (opened.data.gender === 'male')) problems.push(`gender digit ${event.id}`);
        if (pnrs.has(pnr)) problems.push(`repeated ${event.id}`);
        pnrs.add(pnr);
        if (Number(pnr.slice(6, 8)) > 60) samordningsnummer++;
      }
    }
    expect(problems).toEqual([]);
    expect(pnrs.size).toBeGreaterThan(8000);
    expect(samordningsnummer).toBeGreaterThan(300);
  });

  it('reports late and out of event-time order across agencies, with retractions followed by corrections', () => {
    let outOfOrder = 0;
    let lateByMonth = 0;
    let previousTime = '';
    const retracted = new Map<string, string>();
    let corrections = 0;
    for (const e of simulate({ persons: 3000, seed: 21 })) {
      if (e.time < previousTime) outOfOrder++;
      previousTime = e.time;
      if (Date.parse(e.recordedtime) - Date.parse(e.time) > 30 * 86_400_000) lateByMonth++;
      if (e.type === 'EventRetracted') retracted.set(`${e.subject} ${e.source}`, String(e.data.eventId));
      else if (retracted.has(`${e.subject} ${e.source}`)) corrections++;
    }
    expect(outOfOrder).toBeGreaterThan(1000);
    expect(lateByMonth).toBeGreaterThan(100);
    expect(retracted.size).toBeGreaterThan(10);
    expect(corrections).toBeGreaterThanOrEqual(retracted.size);
  });

  it('refuses options outside the calibrated span', () => {
    expect(() => [...simulate({ persons: 1, seed: 1, fromYear: 2000 })]).toThrow(/years/);
    expect(() => [...simulate({ persons: -1, seed: 1 })]).toThrow(/persons/);
  });
});
