import { ASYLUM_SEEKERS, EMPLOYMENT_TARGETS, SFI_PATH_SHARES, SFI_OUTCOMES, waitAfterPermitDays } from './calibration';
import { stories, type PersonFacts } from './index';

const DAY = 86_400_000;
const YEAR = 365.25 * DAY;
const NOW = Date.UTC(2026, 10, 1);
const yearOf = (ms: number) => new Date(ms).getUTCFullYear();
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

// One population of 20,000 shared by every calibration check (generation takes a few seconds).
const population: PersonFacts[] = [];
beforeAll(() => {
  for (const story of stories({ persons: 20_000, seed: 2024 })) population.push(story.facts);
});

describe('calibration against DOMAIN.md (20,000 persons)', () => {
  it('asylum arrivals per year are proportional to SCB figures (each year within ±1 person of its share)', () => {
    const asylum = population.filter((p) => p.route === 'asylum');
    const total = Object.values(ASYLUM_SEEKERS).reduce((s, n) => s + n, 0);
    for (const [year, scb] of Object.entries(ASYLUM_SEEKERS)) {
      const count = asylum.filter((p) => yearOf(p.arrival) === Number(year)).length;
      expect(Math.abs(count - (asylum.length * scb) / total)).toBeLessThanOrEqual(1.5);
    }
  });

  it('2015 asylum seekers are about 70% men (±3 points) and 2015 has unaccompanied minors near 35,369/162,877 (±3 points)', () => {
    const y2015 = population.filter((p) => p.route === 'asylum' && yearOf(p.arrival) === 2015);
    const men = y2015.filter((p) => p.gender === 'male').length / y2015.length;
    const minors = y2015.filter((p) => p.unaccompaniedMinor).length / y2015.length;
    expect(Math.abs(men - 0.7)).toBeLessThan(0.03);
    expect(Math.abs(minors - 35369 / 162877)).toBeLessThan(0.03);
  });

  it('temporary protection appears only from March 2022 and resettlement follows the quota (2019 within ±20%)', () => {
    const tp = population.filter((p) => p.route === 'temporary-protection');
    expect(tp.length).toBeGreaterThan(0);
    expect(tp.every((p) => p.arrival >= Date.UTC(2022, 2, 1))).toBe(true);
    const asylum2019 = population.filter((p) => p.route === 'asylum' && yearOf(p.arrival) === 2019).length;
    const quota2019 = population.filter((p) => p.route === 'resettlement' && yearOf(p.arrival) === 2019).length;
    expect(quota2019 / asylum2019).toBeGreaterThan(0.8 * (5000 / 21958));
    expect(quota2019 / asylum2019).toBeLessThan(1.2 * (5000 / 21958));
  });

  it.each([
    ['2014–15', 152, 2014, 2015],
    ['2017–18', 120, 2017, 2018],
    ['2021', 71, 2021, 2021],
  ])('median wait in ABO after a permit granted %s is %d days ±12%%', (_label, target, from, to) => {
    expect(waitAfterPermitDays(from)).toBe(target);
    const waits = population
      .filter((p) => p.housing === 'ABO' && p.route === 'asylum' && p.permit && p.settled)
      .filter((p) => yearOf(p.permit!) >= from && yearOf(p.permit!) <= to)
      .map((p) => (p.settled! - p.permit!) / DAY);
    expect(waits.length).toBeGreaterThan(40);
    expect(Math.abs(median(waits) / target - 1)).toBeLessThan(0.12);
  });

  it('about two thirds of asylum-route settlements are self-arranged (0.67 ±0.04)', () => {
    const settled = population.filter((p) => p.route === 'asylum' && !p.unaccompaniedMinor && p.arrangement);
    const share = settled.filter((p) => p.arrangement === 'self-arranged').length / settled.length;
    expect(Math.abs(share - 0.67)).toBeLessThan(0.04);
  });

  it('SFI study paths are 12/42/46% (each ±2.5 points)', () => {
    const enrolled = population.filter((p) => p.sfiPath);
    for (const [path, share] of SFI_PATH_SHARES) {
      const actual = enrolled.filter((p) => p.sfiPath === path).length / enrolled.length;
      expect(Math.abs(actual - share)).toBeLessThan(0.025);
    }
  });

  it('of SFI beginners, 65% pass a course within 3 years (±4 points) and 23% drop out without (±4 points)', () => {
    const beginners = population.filter((p) => p.sfiEnrolled && p.sfiEnrolled + 3 * YEAR < NOW);
    const passed = beginners.filter((p) => p.sfiFirstPass !== undefined && p.sfiFirstPass <= p.sfiEnrolled! + 3 * YEAR).length;
    const dropped = beginners.filter((p) => p.sfiFirstPass === undefined && p.sfiDropped !== undefined && p.sfiDropped <= p.sfiEnrolled! + 3 * YEAR).length;
    expect(Math.abs(passed / beginners.length - SFI_OUTCOMES.passed)).toBeLessThan(0.04);
    expect(Math.abs(dropped / beginners.length - SFI_OUTCOMES.droppedOut)).toBeLessThan(0.04);
  });

  it('5 years after settlement 43% of men (±5) and 26% of women (±5) aged 20–64 are employed, about 60% of all after 10 years (±7)', () => {
    const share = (people: PersonFacts[], years: number) => {
      const observed = people.filter((p) => p.settled! + years * YEAR <= NOW);
      const employed = observed.filter((p) => p.employment.some((s) => s.from <= p.settled! + years * YEAR && (s.to === undefined || s.to > p.settled! + years * YEAR)));
      return { share: employed.length / observed.length, n: observed.length };
    };
    const adults = population.filter((p) => p.settled && p.route !== 'temporary-protection')
      .filter((p) => yearOf(p.settled!) - p.birthYear >= 20 && yearOf(p.settled!) - p.birthYear <= 64);
    const men = share(adults.filter((p) => p.gender === 'male'), 5);
    const women = share(adults.filter((p) => p.gender === 'female'), 5);
    const all10 = share(adults, 10);
    expect(men.n).toBeGreaterThan(1000);
    expect(Math.abs(men.share - EMPLOYMENT_TARGETS.men5)).toBeLessThan(0.05);
    expect(Math.abs(women.share - EMPLOYMENT_TARGETS.women5)).toBeLessThan(0.05);
    expect(men.share).toBeGreaterThan(women.share + 0.1);
    expect(Math.abs(all10.share - EMPLOYMENT_TARGETS.all10)).toBeLessThan(0.07);
  });

  it('processing time follows the period: 2015 applications take about 406 days, 2017 about 90 (median ±15%)', () => {
    const decided = (year: number) => population
      .filter((p) => p.route === 'asylum' && !p.unaccompaniedMinor && p.permit && yearOf(p.arrival) === year)
      .map((p) => (p.permit! - p.arrival) / DAY);
    expect(Math.abs(median(decided(2015)) / 406 - 1)).toBeLessThan(0.15);
    expect(Math.abs(median(decided(2017)) / 90 - 1)).toBeLessThan(0.15);
  });
});
