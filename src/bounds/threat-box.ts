/**
 * The input box a bound graph is run on for one point: the threat set {x' : ‖x' − x‖ ≤ ε} ∩
 * [lower, upper], or a box containing it. For L∞ the box is exact: [max(x − ε, lower),
 * min(x + ε, upper)]. For L2 the ball is enclosed in the same box (IBP's input set; CROWN
 * concretises over the ball itself with the dual norm). Computed in float64 and rounded outward
 * to float32, so the float32 box contains the real one.
 */
import { toFloat32Down, toFloat32Up } from './float-error';

/** Elementwise box bounds of n points (x, lower, upper: [n, ...sample] flattened alike). */
export function threatBox(x: Float32Array, eps: number, lower: Float32Array, upper: Float32Array): { lo: Float32Array; hi: Float32Array } {
  if (!(eps >= 0)) throw new RangeError(`eps must be ≥ 0 (got ${eps})`);
  const lo = new Float32Array(x.length);
  const hi = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    lo[i] = toFloat32Down(Math.max(x[i] - eps, lower[i]));
    hi[i] = toFloat32Up(Math.min(x[i] + eps, upper[i]));
  }
  return { lo, hi };
}

/** Whether every j ≠ y of a point's margin lower bounds is > 0; and the smallest of them. */
export function certifiedMargin(margins: Float32Array, i: number, K: number, y: number): { certified: boolean; margin: number } {
  let min = Infinity;
  for (let j = 0; j < K; j++) if (j !== y) min = Math.min(min, margins[i * K + j]);
  return { certified: min > 0, margin: min };
}
