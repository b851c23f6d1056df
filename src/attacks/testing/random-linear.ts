/** Random linear models and labelled batches for the attacks' property tests, and the checks on them. */
import { mulberry32 } from '../../util/random';
import { rowNorms } from '../project';
import { AttackBatch, Norm } from '../types';
import { Linear, minimalPerturbation } from './linear-model';

/** Logits W·x + b of a linear model. */
export const logitsOf = ({ W, b }: Linear, x: ArrayLike<number>): number[] =>
  W.map((w, c) => w.reduce((s, wi, k) => s + wi * x[k], b[c]));

/** Row i of a flat [n, per] array. */
export const row = (a: Float32Array, i: number, per: number): number[] => Array.from(a.subarray(i * per, (i + 1) * per));

/** A C-class, D-feature linear model with weights in [−1, 1] and small biases. */
export function randomLinear(seed: number, C: number, D: number): Linear {
  const rng = mulberry32(seed);
  return { W: [...Array(C)].map(() => [...Array(D)].map(() => 2 * rng() - 1)), b: [...Array(C)].map(() => 0.4 * rng() - 0.2) };
}

/** N points in [−1, 1]^D labelled with the model's own prediction (all clean-correct); box [lo, hi] per point. */
export function randomBatch(lin: Linear, seed: number, N: number, box: (x: number[], rng: () => number) => [number[], number[]]): AttackBatch {
  const rng = mulberry32(seed);
  const D = lin.W[0].length;
  const xs: number[] = [], ys: number[] = [], lo: number[] = [], hi: number[] = [];
  for (let i = 0; i < N; i++) {
    const x = [...Array(D)].map(() => 2 * rng() - 1);
    const z = logitsOf(lin, Float32Array.from(x));
    ys.push(z.indexOf(Math.max(...z)));
    const [l, h] = box(x, rng);
    xs.push(...x); lo.push(...l); hi.push(...h);
  }
  return { x: Float32Array.from(xs), n: N, y: Int32Array.from(ys), lower: Float32Array.from(lo), upper: Float32Array.from(hi) };
}

/** A box far from every point ([−10, 10]): it never binds. */
export const wideBox = (x: number[]): [number[], number[]] => [x.map(() => -10), x.map(() => 10)];

/** Asserts every row of xAdv lies in the ε-ball around the batch's x and inside its box. */
export function expectInThreatSet(xAdv: Float32Array, b: AttackBatch, norm: Norm, eps: number): void {
  for (const d of rowNorms(xAdv, b.x, b.n, norm)) expect(d).toBeLessThanOrEqual(eps);
  for (let k = 0; k < xAdv.length; k++) {
    expect(xAdv[k]).toBeGreaterThanOrEqual(b.lower[k]);
    expect(xAdv[k]).toBeLessThanOrEqual(b.upper[k]);
  }
}

/**
 * Distance (threat norm) from a candidate to the point of the ε-ball that maximises z_k − z_y
 * for the wrong class k that tops the candidate's wrong logits: 0 at a local maximum of CW ascent.
 */
export function distanceToWrongOptimum(lin: Linear, x: number[], y: number, cand: number[], norm: Norm, eps: number): number {
  const z = logitsOf(lin, cand).map((v, c) => (c === y ? -Infinity : v));
  const k = z.indexOf(Math.max(...z));
  const dir = lin.W[k].map((w, q) => w - lin.W[y][q]);
  const len = Math.hypot(...dir);
  const diff = x.map((v, q) => (norm === 'linf' ? v + eps * Math.sign(dir[q]) : v + (eps * dir[q]) / len) - cand[q]);
  return norm === 'linf' ? Math.max(...diff.map(Math.abs)) : Math.hypot(...diff);
}

/** Each point's closed-form minimal perturbation (threat norm) under a linear model. */
export function minimalPerturbations(lin: Linear, b: AttackBatch, norm: Norm): number[] {
  const D = lin.W[0].length;
  return [...Array(b.n)].map((_, i) => minimalPerturbation(lin, row(b.x, i, D), b.y[i], norm));
}

/** Exact L∞ distance to the boundary inside a box: the best box-clipped corner per class, bisected over ε. */
export function linfBoxDistance(lin: Linear, x: number[], y: number, lo: number[], hi: number[]): number {
  const z = logitsOf(lin, x);
  const breakable = (eps: number) => lin.W.some((w, j) => j !== y && z[j] - z[y] + w.reduce((s, wj, k) => {
    const c = wj - lin.W[y][k];
    return s + Math.max(c * Math.max(-eps, lo[k] - x[k]), c * Math.min(eps, hi[k] - x[k]));
  }, 0) > 0);
  if (!breakable(100)) return Infinity;
  let a = 0, b = 100;
  for (let it = 0; it < 60; it++) { const m = (a + b) / 2; if (breakable(m)) b = m; else a = m; }
  return b;
}

/** Points with ε ≥ 1.02·d must be broken, points with ε ≤ 0.98·d must not; returns how many were checked. */
export function expectBrokenExactly(success: Uint8Array, d: number[], eps: number): number {
  let checked = 0;
  d.forEach((di, i) => {
    if (eps >= 1.02 * di) { expect({ i, broken: success[i] }).toEqual({ i, broken: 1 }); checked++; }
    if (eps <= 0.98 * di) { expect({ i, broken: success[i] }).toEqual({ i, broken: 0 }); checked++; }
  });
  return checked;
}

/**
 * For margin-type ascent on a multi-class linear model, which has genuine local maxima (the
 * optimal point of a wrong class that is also the top wrong class there): no point with
 * ε ≤ 0.98·d breaks, and every point with ε ≥ 1.02·d left unbroken sits, within 0.1·ε, at such a
 * maximum. Returns how many such misses there were.
 */
export function expectMissesAtWrongOptima(
  lin: Linear, b: AttackBatch, d: number[], success: Uint8Array, xAdv: Float32Array, norm: Norm, eps: number,
): number {
  const D = lin.W[0].length;
  let misses = 0;
  d.forEach((di, i) => {
    if (eps <= 0.98 * di) expect(success[i]).toBe(0);
    if (eps >= 1.02 * di && !success[i]) {
      misses++;
      expect(distanceToWrongOptimum(lin, row(b.x, i, D), b.y[i], row(xAdv, i, D), norm, eps)).toBeLessThan(0.1 * eps);
    }
  });
  return misses;
}
