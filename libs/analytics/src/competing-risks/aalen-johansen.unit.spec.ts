import { aalenJohansen } from './aalen-johansen';

// Eight people: times 1 2 2 3 4 5 5 6 with exits 1 2 0 1 1 2 0 1 (0 censored). The expected
// values are R 4.2.2, survival 3.5.3: survfit(Surv(t, factor(s, levels = 0:2)) ~ 1), whose
// standard errors are the infinitesimal jackknife and whose interval is on the log scale.
const times = [1, 2, 3, 4, 5, 6];
const cause1 = [1, 0, 1, 1, 0, 1];
const cause2 = [0, 1, 0, 0, 1, 0];
const censored = [0, 1, 0, 0, 1, 0];

describe('aalenJohansen', () => {
  const aj = aalenJohansen(times, [cause1, cause2], censored);

  it('counts the risk set and each cause', () => {
    expect(aj.n).toBe(8);
    expect(aj.censored).toBe(2);
    expect(aj.causes.map((c) => c.events)).toEqual([4, 2]);
    expect(aj.causes[0].curve.map((r) => r.atRisk)).toEqual([8, 7, 5, 4, 3, 1]);
  });

  it('gives R\'s cumulative incidence, standard error and log interval of the first cause', () => {
    const expected = [
      [0.125, 0.11692679333668567, 0.019984067022007647, 0.78187287816803397],
      [0.125, 0.11692679333668567, 0.019984067022007647, 0.78187287816803397],
      [0.27500000000000002, 0.16709839915451016, 0.083582746623958246, 0.90479199421669609],
      [0.42500000000000004, 0.18720810612791317, 0.17924351438389266, 1],
      [0.42500000000000004, 0.18720810612791317, 0.17924351438389266, 1],
      [0.72500000000000009, 0.16709839915451016, 0.461479704913653976, 1],
    ];
    aj.causes[0].curve.forEach((row, i) => {
      const [incidence, se, lower, upper] = expected[i];
      expect(row.incidence).toBeCloseTo(incidence, 14);
      expect(row.stdErr).toBeCloseTo(se, 14);
      expect(row.lower).toBeCloseTo(lower, 14);
      expect(row.upper).toBeCloseTo(upper, 14);
    });
  });

  it('gives the competing cause its own curve, with no interval while it is 0', () => {
    const second = aj.causes[1].curve;
    expect(second[0]).toMatchObject({ incidence: 0, stdErr: 0, lower: null, upper: null });
    expect(second[1].incidence).toBeCloseTo(0.125, 14);
    expect(second[1].stdErr).toBeCloseTo(0.11692679333668567, 14);
    expect(second[4].incidence).toBeCloseTo(0.27500000000000002, 14);
    expect(second[5].stdErr).toBeCloseTo(0.16709839915451016, 14);
  });

  it('is one minus Kaplan–Meier with a single cause', () => {
    const one = aalenJohansen([1, 2, 3], [[1, 1, 1]], [0, 1, 0]);
    expect(one.causes[0].curve.map((r) => r.incidence)).toEqual([1 - 3 / 4, 1 - 3 / 4 * (2 / 3), 1]);
  });
});
