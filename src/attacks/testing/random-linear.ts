/** Random linear models and labelled batches for the attacks' property tests. */
import { mulberry32 } from '../../util/random';
import { rowNorms } from '../project';
import { AttackBatch, Norm } from '../types';
import { Linear } from './linear-model';

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
