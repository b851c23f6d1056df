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
  return roundBoxOutward(threatBox64(x, eps, lower, upper));
}

/** The same box in float64 (as the float64 CROWN graphs take it): [max(x − ε, lower), min(x + ε, upper)]. */
export function threatBox64(x: Float32Array, eps: number, lower: Float32Array, upper: Float32Array): { lo: Float64Array; hi: Float64Array } {
  if (!(eps >= 0)) throw new RangeError(`eps must be ≥ 0 (got ${eps})`);
  const lo = new Float64Array(x.length);
  const hi = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    lo[i] = Math.max(x[i] - eps, lower[i]);
    hi[i] = Math.min(x[i] + eps, upper[i]);
  }
  return { lo, hi };
}

/** A float64 box rounded outward to float32 (a float32 box is returned as it is). */
export function roundBoxOutward(box: { lo: Float32Array | Float64Array; hi: Float32Array | Float64Array }): { lo: Float32Array; hi: Float32Array } {
  if (box.lo instanceof Float32Array && box.hi instanceof Float32Array) return { lo: box.lo, hi: box.hi };
  return { lo: Float32Array.from(box.lo, toFloat32Down), hi: Float32Array.from(box.hi, toFloat32Up) };
}

/**
 * Whether point i of the margin lower bounds [n, K] is certified, and the smallest bound that
 * decides it. Untargeted (`target` < 0, the default): every j ≠ y must be > 0 (no class may
 * reach y's score). Targeted (`target` = t ≥ 0, t ≠ y; VNN-COMP's "class t must not win"): only
 * j = t must be > 0; other classes may overtake y.
 */
export function certifiedMargin(margins: Float32Array, i: number, K: number, y: number, target = -1): { certified: boolean; margin: number } {
  if (target >= 0) {
    if (target >= K || target === y) throw new RangeError(`target ${target} must be a class other than the label ${y} (K = ${K})`);
    const m = margins[i * K + target];
    return { certified: m > 0, margin: m };
  }
  let min = Infinity;
  for (let j = 0; j < K; j++) if (j !== y) min = Math.min(min, margins[i * K + j]);
  return { certified: min > 0, margin: min };
}
