/**
 * Gradient-step helpers shared by the gradient attacks, on flat [n, per] float32 rows:
 *
 *   L∞   x ← x + α · sign(g)            (steepest ascent for the ℓ∞ ball, Goodfellow et al. 2015)
 *   L2   x ← x + α · g / ‖g‖₂           (steepest ascent for the ℓ2 ball; rows with g = 0 stay put)
 *
 * and a random start drawn inside the ε-ball ∩ box (uniform in the ℓ∞ cube as Madry et al. 2018;
 * uniform in the ℓ2 ball), seeded through `mulberry32` (one stream per row: `sampleRng`). None of these project: call
 * `project(...)` (project.ts) after a step.
 */
import { InternalError } from '../errors';
import { Norm } from './types';
import { project } from './project';

/** A step size: one for every row, or one per row. */
export type StepSize = number | ArrayLike<number>;

const sizeOf = (alpha: StepSize, row: number): number => (typeof alpha === 'number' ? alpha : alpha[row]);

/** In place: x ← x + α·sign(g), row by row (sign(0) = 0). */
export function linfStep(x: Float32Array, grad: Float32Array, n: number, alpha: StepSize): Float32Array {
  const per = x.length / n;
  for (let i = 0; i < n; i++) {
    const a = sizeOf(alpha, i);
    for (let k = i * per; k < (i + 1) * per; k++) {
      const g = grad[k];
      if (g > 0) x[k] += a; else if (g < 0) x[k] -= a;
    }
  }
  return x;
}

/** In place: x ← x + α·g/‖g‖₂ per row; a row whose gradient is zero (or not finite) is left unchanged. */
export function l2Step(x: Float32Array, grad: Float32Array, n: number, alpha: StepSize): Float32Array {
  const per = x.length / n;
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let k = i * per; k < (i + 1) * per; k++) sq += grad[k] * grad[k];
    const norm = Math.sqrt(sq);
    if (!(norm > 0) || !Number.isFinite(norm)) continue;
    const s = sizeOf(alpha, i) / norm;
    for (let k = i * per; k < (i + 1) * per; k++) x[k] += s * grad[k];
  }
  return x;
}

/** In place: the steepest-ascent step of the threat norm (linfStep or l2Step). */
export function gradientStep(norm: Norm, x: Float32Array, grad: Float32Array, n: number, alpha: StepSize): Float32Array {
  return norm === 'linf' ? linfStep(x, grad, n, alpha) : l2Step(x, grad, n, alpha);
}

/** A standard normal draw from a uniform source (Box–Muller). */
export function gaussian(rng: () => number): number {
  const u = 1 - rng(); // (0, 1]: log is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * A random point of the threat set around each row of x: for L∞ δ ~ U[−ε, ε] per element; for
 * L2 δ uniform in the ε-ball (Gaussian direction, radius ε·u^(1/d)). x + δ is then clipped to
 * the box (which only shrinks |δ| elementwise, as x lies in it) and projected with `project`,
 * so the start is in the ε-ball ∩ box in float64 as well. Returns a new array.
 *
 * `rng` is one stream for all rows, or one stream per row (`sampleRng`, so that a row's start
 * does not depend on the other rows of the batch).
 */
export function randomStart(
  x: Float32Array, lower: Float32Array, upper: Float32Array, n: number, norm: Norm, eps: number,
  rng: (() => number) | readonly (() => number)[],
): Float32Array {
  const per = x.length / n;
  const out = new Float32Array(x.length);
  const dir = new Float64Array(per);
  if (typeof rng !== 'function' && rng.length !== n) throw new InternalError(`randomStart: ${rng.length} streams for ${n} rows`);
  for (let i = 0; i < n; i++) {
    const s = i * per;
    const rand = typeof rng === 'function' ? rng : rng[i];
    if (norm === 'linf') {
      for (let k = 0; k < per; k++) out[s + k] = x[s + k] + eps * (2 * rand() - 1);
    } else {
      let sq = 0;
      for (let k = 0; k < per; k++) { dir[k] = gaussian(rand); sq += dir[k] * dir[k]; }
      const r = (eps * rand() ** (1 / per)) / (Math.sqrt(sq) || 1);
      for (let k = 0; k < per; k++) out[s + k] = x[s + k] + r * dir[k];
    }
    for (let k = s; k < s + per; k++) out[k] = Math.min(upper[k], Math.max(lower[k], out[k]));
  }
  return project(out, x, lower, upper, n, norm, eps);
}
