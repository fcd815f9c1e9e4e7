import { simulate, type SimulationStats } from './index';

describe('streaming in bounded memory', () => {
  it('never holds more than bufferLimit (+ one person) events, however many persons (40,000 with limit 4,000)', () => {
    const stats: SimulationStats = { persons: 0, events: 0, maxBuffered: 0, spilledRuns: 0 };
    let previous = '';
    let ordered = true;
    let count = 0;
    for (const e of simulate({ persons: 40_000, seed: 77, bufferLimit: 4_000, stats })) {
      if (e.recordedtime < previous) ordered = false;
      previous = e.recordedtime;
      count++;
    }
    expect(ordered).toBe(true);
    expect(stats.persons).toBe(40_000);
    expect(stats.events).toBe(count);
    expect(stats.spilledRuns).toBeGreaterThan(10);
    // One person's story is at most a few dozen events.
    expect(stats.maxBuffered).toBeLessThanOrEqual(4_000 + 100);
  });

  it('releases events while generating rather than at the end: the first event comes before the 100th person is made', () => {
    const stats: SimulationStats = { persons: 0, events: 0, maxBuffered: 0, spilledRuns: 0 };
    const iterator = simulate({ persons: 50_000, seed: 1, stats })[Symbol.iterator]();
    expect(iterator.next().done).toBe(false);
    expect(stats.persons).toBeLessThan(100);
    iterator.return?.(undefined);
  });
});
