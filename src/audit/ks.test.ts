import { UsageError } from '../errors';
import { kolmogorovQ, ksGreater, ksTwoSided } from './ks';

// Reference values: scipy 1.17.1, `scipy.stats.ks_2samp(a, b, alternative=..., method='asymp')` for the
// statistics, `scipy.stats.kstwobign.sf` for Kolmogorov's law; the one-sided p-values are
// exp(−2·n_e·D²) by hand (scipy's own one-sided p adds Hodges' correction and is smaller: listed too).

describe('ksGreater / ksTwoSided (hand-computed and scipy values)', () => {
  // Pooled in order: F_a − F_b = .2 .4 .233 .433 .267 .1 .3 .5 .333 .167 0 → D⁺ = 0.5 at 1.3; F_b never exceeds F_a.
  const a = [0.1, 0.4, 0.7, 1.0, 1.3];
  const b = [0.5, 0.8, 0.9, 1.5, 2.0, 2.2];
  const ne = (5 * 6) / 11;

  it('when b lies mostly above a, then D⁺ = 0.5 and p = exp(−2·n_e·D⁺²) = 0.2557', () => {
    const r = ksGreater(a, b);
    expect(r.statistic).toBeCloseTo(0.5, 15);
    expect(r.pValue).toBeCloseTo(Math.exp(-2 * ne * 0.25), 15);
    expect(r.pValue).toBeCloseTo(0.25572915991310063, 12);
    expect(r.pValue).toBeGreaterThan(0.157475585019026); // scipy's Hodges-corrected one-sided p
  });

  it('when the samples are swapped, then D⁺ = 0 (the other direction) and p = 1', () => {
    expect(ksGreater(b, a)).toEqual({ statistic: 0, pValue: 1 });
  });

  it('when two-sided, then D = 0.5 and p = kstwobign.sf(√n_e·D) = 0.5029', () => {
    const r = ksTwoSided(a, b);
    expect(r.statistic).toBeCloseTo(0.5, 15);
    expect(r.pValue).toBeCloseTo(0.502914033641129, 10);
  });

  it('when samples tie across a and b, then the CDFs are compared after all copies (D⁺ = 0.25, as scipy)', () => {
    // a = 1 2 2 3, b = 2 2 3 3: after 1: .25 − 0; after 2: .75 − .5; after 3: 1 − 1.
    expect(ksGreater([1, 2, 2, 3], [2, 2, 3, 3]).statistic).toBeCloseTo(0.25, 15);
    expect(ksGreater([2, 2, 3, 3], [1, 2, 2, 3]).statistic).toBe(0);
    expect(ksGreater([1, 2, 2, 3], [2, 2, 3, 3]).pValue).toBeCloseTo(Math.exp(-2 * 2 * 0.0625), 15);
  });

  it('when the samples are identical, then D = 0 and p = 1', () => {
    const s = [0.3, -1, 2.5, 0.3, 7];
    expect(ksGreater(s, [...s].reverse())).toEqual({ statistic: 0, pValue: 1 });
    expect(ksTwoSided(s, s)).toEqual({ statistic: 0, pValue: 1 });
  });

  it('when every b exceeds every a, then D⁺ = D = 1 and p = exp(−2·n_e)', () => {
    const lo = [1, 2, 3, 4, 5, 6, 7, 8], hi = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const r = ksGreater(lo, hi);
    expect(r.statistic).toBe(1);
    expect(r.pValue).toBeCloseTo(Math.exp(-2 * (80 / 18)), 15);
    expect(ksTwoSided(hi, lo).statistic).toBe(1);
    expect(ksGreater(hi, lo).statistic).toBe(0);
  });

  it('when 200 against 150 deterministic points, then D⁺, D and the p-values match scipy', () => {
    const a200 = Array.from({ length: 200 }, (_, i) => ((i + 1) * 0.6180339887498949) % 1);
    const b150 = Array.from({ length: 150 }, (_, i) => (((i + 1) * 0.41421356237309515) % 1) ** 0.7);
    const g = ksGreater(a200, b150);
    expect(g.statistic).toBeCloseTo(0.1333333333333333, 12);
    expect(g.pValue).toBeCloseTo(0.04747181807884445, 12);
    expect(ksGreater(b150, a200).statistic).toBeCloseTo(0.005, 12); // scipy 'less' statistic
    const t = ksTwoSided(a200, b150);
    expect(t.statistic).toBeCloseTo(0.1333333333333333, 12);
    expect(t.pValue).toBeCloseTo(0.09493347897299229, 10);
  });

  it('when λ spans both series of Kolmogorov\'s law, then Q matches kstwobign.sf', () => {
    const ref: [number, number][] = [[0.3, 0.9999906941986655], [0.5, 0.9639452436648751], [0.8, 0.5441424115741981],
      [1.0, 0.26999967167735456], [1.2, 0.11224966667072497], [2.0, 0.0006709252557796953]];
    for (const [lam, q] of ref) expect({ lam, q: kolmogorovQ(lam) }).toEqual({ lam, q: expect.closeTo(q, 12) });
    expect(kolmogorovQ(0)).toBe(1);
  });

  it.each([
    ['a sample is empty', [], [1], /sample a is empty/],
    ['a value is NaN', [1, 2], [1, NaN], /sample b holds a non-finite value/],
  ])('when %s, then a UsageError', (_, x, y, msg) => {
    expect(() => ksGreater(x, y)).toThrow(UsageError);
    expect(() => ksTwoSided(x, y)).toThrow(msg);
  });
});
