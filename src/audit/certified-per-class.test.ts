import { certifiedPerClass } from './certified-per-class';

describe('certifiedPerClass', () => {
  // Class 0: points 0, 3, 6, 9 (certified 0, 3); class 1: 1, 4, 7 (certified 1); class 2: 2, 5, 8 (none);
  // class 3: no point; class 4: 10, 11 (both).
  const labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 4, 4];
  const certified = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1];

  it('when classes have points, then each gets n, its certified count and certified/n; an empty class gets nulls', () => {
    const c = certifiedPerClass(labels, certified, 5);
    expect(c.map((x) => [x.label, x.n, x.certified, x.certifiedAccuracy])).toEqual([
      [0, 4, 2, 0.5], [1, 3, 1, 1 / 3], [2, 3, 0, 0], [3, 0, 0, null], [4, 2, 2, 1],
    ]);
    expect(c[3].certifiedAccuracyInterval).toBeNull();
    expect(c.every((x) => x.smallSample)).toBe(true);
  });

  it('the intervals are exact Clopper–Pearson at 95 %: closed forms at k = 0 and k = n, the textbook 2 of 4', () => {
    const c = certifiedPerClass(labels, certified, 5);
    // k = 0 of n: [0, 1 − (α/2)^(1/n)]; 0.025^(1/3) = 0.29240…
    expect(c[2].certifiedAccuracyInterval).toEqual({ k: 0, n: 3, lower: 0, upper: expect.closeTo(1 - 0.025 ** (1 / 3), 12) });
    expect(c[2].certifiedAccuracyInterval!.upper).toBeCloseTo(0.7076, 4);
    // k = n: [(α/2)^(1/n), 1]; √0.025 = 0.15811…
    expect(c[4].certifiedAccuracyInterval).toEqual({ k: 2, n: 2, lower: expect.closeTo(Math.sqrt(0.025), 12), upper: 1 });
    // 2 of 4: (0.0676, 0.9324), symmetric about 1/2.
    const half = c[0].certifiedAccuracyInterval!;
    expect([half.k, half.n, half.lower, half.upper]).toEqual([2, 4, expect.closeTo(0.0676, 4), expect.closeTo(0.9324, 4)]);
    expect(half.lower + half.upper).toBeCloseTo(1, 12);
  });

  it('when a class has 30 points, then it is not a small sample; with 29 it is', () => {
    const ls = [...Array(30).fill(0), ...Array(29).fill(1)];
    const c = certifiedPerClass(ls, ls.map((_, i) => i % 2), 2);
    expect(c.map((x) => [x.n, x.certified, x.smallSample])).toEqual([[30, 15, false], [29, 14, true]]);
  });

  it('when the inputs disagree, then UsageError says what is wrong', () => {
    expect(() => certifiedPerClass([0, 1], [1], 2)).toThrow(/must have one entry per point/);
    expect(() => certifiedPerClass([0, 2], [1, 0], 2)).toThrow(/label 2 of point 1 is outside 0…1/);
    expect(() => certifiedPerClass([0], [1], 0)).toThrow(/positive integer/);
  });
});
