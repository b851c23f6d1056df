import { clopperPearson, fractionInterval, pointsForHalfWidth } from './clopper-pearson';

/** P(X ≤ k) for X ~ Binomial(n, p), by exact summation of the pmf in log space (independent of the beta function). */
function binomCdf(k: number, n: number, p: number): number {
  const logs: number[] = [];
  let lp = n * Math.log1p(-p);
  for (let i = 0; i <= n; i++) {
    logs.push(lp);
    lp += Math.log((n - i) / (i + 1)) + Math.log(p) - Math.log1p(-p);
  }
  const m = Math.max(...logs);
  const total = logs.reduce((s, l) => s + Math.exp(l - m), 0);
  return logs.slice(0, k + 1).reduce((s, l) => s + Math.exp(l - m), 0) / total;
}

describe('clopperPearson', () => {
  const a2 = 0.025;

  it('k = 0 and k = n: the closed forms 1 − (α/2)^(1/n) and (α/2)^(1/n)', () => {
    for (const n of [1, 2, 10, 30, 500, 10000]) {
      const zero = clopperPearson(0, n);
      expect(zero.lower).toBe(0);
      expect(zero.upper).toBeCloseTo(1 - a2 ** (1 / n), 12);
      const all = clopperPearson(n, n);
      expect(all.upper).toBe(1);
      expect(all.lower).toBeCloseTo(a2 ** (1 / n), 12);
    }
  });

  it('k = 1 and k = n − 1: the closed forms 1 − (1 − α/2)^(1/n) and (1 − α/2)^(1/n)', () => {
    for (const n of [2, 10, 100, 500]) {
      expect(clopperPearson(1, n).lower).toBeCloseTo(1 - (1 - a2) ** (1 / n), 12);
      expect(clopperPearson(n - 1, n).upper).toBeCloseTo((1 - a2) ** (1 / n), 12);
    }
  });

  it('interior cases: the table value for 5 of 10 (R binom.test: 0.1870860, 0.8129140)', () => {
    const c = clopperPearson(5, 10);
    expect(c.lower).toBeCloseTo(0.187086, 6);
    expect(c.upper).toBeCloseTo(0.812914, 6);
  });

  it('interior cases: the binomial tails at the bounds are exactly α/2 (exact pmf sums)', () => {
    for (const [k, n] of [[3, 7], [281, 500], [49, 50], [12, 400], [700, 1000]]) {
      const c = clopperPearson(k, n);
      expect(1 - binomCdf(k - 1, n, c.lower)).toBeCloseTo(a2, 9); // P(X ≥ k | lower)
      expect(binomCdf(k, n, c.upper)).toBeCloseTo(a2, 9); // P(X ≤ k | upper)
      expect(c.lower).toBeLessThan(k / n);
      expect(c.upper).toBeGreaterThan(k / n);
    }
  });

  it('56.2 % of 500 is ± 4.4 pp (the issue\'s example); other levels are narrower or wider', () => {
    const c = fractionInterval(0.562, 500);
    expect(c.k).toBe(281);
    expect((c.upper - c.lower) / 2).toBeCloseTo(0.044, 3);
    const c90 = clopperPearson(281, 500, 0.9), c99 = clopperPearson(281, 500, 0.99);
    expect(c90.lower).toBeGreaterThan(c.lower);
    expect(c99.lower).toBeLessThan(c.lower);
    expect(1 - binomCdf(280, 500, c99.lower)).toBeCloseTo(0.005, 9);
  });

  it('n = 0 is [0, 1]; bad input throws', () => {
    expect(clopperPearson(0, 0)).toEqual({ k: 0, n: 0, lower: 0, upper: 1 });
    expect(() => clopperPearson(3, 2)).toThrow(RangeError);
    expect(() => clopperPearson(1.5, 2)).toThrow(RangeError);
    expect(() => clopperPearson(1, 2, 1)).toThrow(RangeError);
  });

  it('pointsForHalfWidth: the smallest n whose interval is within ± the half-width', () => {
    const n = pointsForHalfWidth(0.562, 0.01);
    const w = (m: number) => { const c = clopperPearson(Math.round(0.562 * m), m); return (c.upper - c.lower) / 2; };
    expect(w(n)).toBeLessThanOrEqual(0.01);
    expect(w(n - 1)).toBeGreaterThan(0.01);
    expect(n).toBeGreaterThan(9000);
    expect(n).toBeLessThan(10000);
  });
});
