import { mulberry32, sampleRng } from '../util/random';
import { rowNorms } from './project';
import { gaussian, gradientStep, l2Step, linfStep, randomStart } from './steps';

describe('gradient steps', () => {
  it('when taking an L∞ step, then every element moves by α·sign(g) (zero gradient: no move)', () => {
    const x = Float32Array.of(0, 0, 0, 1, 1, 1);
    linfStep(x, Float32Array.of(3, -0.1, 0, -2, 5, 0), 2, [0.5, 0.25]);
    expect(Array.from(x)).toEqual([0.5, -0.5, 0, 0.75, 1.25, 1]);
  });

  it('when taking an L2 step, then each row moves α along g/‖g‖ and a zero-gradient row stays', () => {
    const x = new Float32Array(4);
    l2Step(x, Float32Array.of(3, 4, 0, 0), 2, 2);
    expect(Array.from(x)).toEqual([Math.fround(1.2), Math.fround(1.6), 0, 0]);
  });

  it('when the norm is given, then gradientStep dispatches to the matching step', () => {
    const g = Float32Array.of(3, -4);
    expect(Array.from(gradientStep('linf', new Float32Array(2), g, 1, 1))).toEqual([1, -1]);
    expect(Array.from(gradientStep('l2', new Float32Array(2), g, 1, 1)).map((v) => +v.toFixed(6))).toEqual([0.6, -0.8]);
  });

  it('when drawing Gaussians, then mean ≈ 0 and variance ≈ 1', () => {
    const rng = mulberry32(3);
    const v = Array.from({ length: 20000 }, () => gaussian(rng));
    const mean = v.reduce((s, a) => s + a, 0) / v.length;
    const varc = v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(varc - 1)).toBeLessThan(0.05);
  });

  it.each(['linf', 'l2'] as const)('when starting at random (%s, binding box), then the start lies in the ε-ball ∩ box and depends only on the seed', (norm) => {
    const n = 50, per = 20, eps = 0.5;
    const rng = mulberry32(9);
    const x = Float32Array.from({ length: n * per }, () => rng());
    const lower = x.map((v, k) => (k % 3 === 0 ? v - 0.05 : 0));
    const upper = x.map((v, k) => (k % 4 === 0 ? v + 0.02 : 1));
    const a = randomStart(x, lower, upper, n, norm, eps, mulberry32(1));
    const b = randomStart(x, lower, upper, n, norm, eps, mulberry32(1));
    expect(Array.from(a)).toEqual(Array.from(b));
    for (const d of rowNorms(a, x, n, norm)) expect(d).toBeLessThanOrEqual(eps);
    for (let k = 0; k < a.length; k++) {
      expect(a[k]).toBeGreaterThanOrEqual(lower[k]);
      expect(a[k]).toBeLessThanOrEqual(upper[k]);
    }
    // Not degenerate: the start actually moves, and for L2 fills the ball (radii spread up to ε).
    const norms = Array.from(rowNorms(a, x, n, norm));
    expect(Math.max(...norms)).toBeGreaterThan(0.3 * eps);
    expect(Math.min(...norms)).toBeGreaterThan(0);
  });

  it.each(['linf', 'l2'] as const)('when each row has its own stream (%s), then a row\'s start does not depend on the other rows', (norm) => {
    const n = 6, per = 10, eps = 0.3;
    const rng = mulberry32(4);
    const x = Float32Array.from({ length: n * per }, () => rng());
    const lower = new Float32Array(n * per), upper = new Float32Array(n * per).fill(1);
    const all = randomStart(x, lower, upper, n, norm, eps, [...Array(n).keys()].map((i) => sampleRng(9, i)));
    const rows = [1, 4];
    const sub = (a: Float32Array) => Float32Array.from(rows.flatMap((i) => Array.from(a.subarray(i * per, (i + 1) * per))));
    const part = randomStart(sub(x), sub(lower), sub(upper), rows.length, norm, eps, rows.map((i) => sampleRng(9, i)));
    expect(Array.from(part)).toEqual(Array.from(sub(all)));
    expect(() => randomStart(x, lower, upper, n, norm, eps, [sampleRng(9, 0)])).toThrow(/streams/);
  });
});
