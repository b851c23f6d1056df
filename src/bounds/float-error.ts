/**
 * Floating-point soundness of float32 bound graphs.
 *
 * ONNX Runtime's CPU kernels for Conv, AveragePool and others are float32 only, so the bound
 * graphs compute in float32 and widen every computed bound outward by a rigorous bound on the
 * rounding error (Higham, Accuracy and Stability of Numerical Algorithms, §3.1): a sum of n
 * products computed in any order, with or without fused multiply-add, differs from the exact sum
 * by at most γ_n · Σ|aᵢbᵢ|, γ_n = n·u / (1 − n·u), u = 2⁻²⁴. Flushing subnormals to zero adds at
 * most 2⁻¹²⁶ per operation.
 *
 * A rule computing a bound as an n-term sum (Gemm, Conv, …) also computes the magnitude
 * M = Σ|wᵢ|(|cᵢ| + rᵢ) + |b| of that sum over the input interval (centre c, radius r) and widens
 * by   e = (3n + 8)·u·M + (n + 2)·2⁻¹²⁶.
 * The three γ_n shares cover: the error of the computed centre term, of the computed radius
 * term, and of the model's own float32 evaluation of the op at any point of the interval (so
 * the widened interval encloses both the exact value and what ONNX Runtime computes for the
 * model); the +8·u covers the rounding of the few elementwise ops around them (centre/radius
 * conversion, adding e). Exact ops (Relu, MaxPool, reshapes) are not widened.
 *
 * The guarantee holds for execution on the CPU provider, whose kernels accumulate sums
 * directly (no Winograd or FFT convolution); docs/certification.md states it in full.
 */

/** Unit roundoff of float32 (round to nearest). */
export const U32 = 2 ** -24;

/** Absolute error of one float32 operation whose result flushes to zero (subnormals). */
export const FTZ32 = 2 ** -126;

/** Relative factor of the widening for an op that sums `terms` products. */
export function relativeMargin(terms: number): number {
  if (!(terms >= 1)) throw new RangeError(`terms must be ≥ 1 (got ${terms})`);
  const k = 3 * terms + 8;
  // γ_k = k·u/(1 − k·u); the bound needs k·u < 1, far from true for any real layer (k·u < 0.01 up to k = 167,772).
  return (k * U32) / (1 - k * U32);
}

/** Absolute part of the widening for an op that sums `terms` products. */
export function absoluteMargin(terms: number): number {
  return (terms + 2) * FTZ32;
}

/**
 * Rounds a float64 bound outward to float32: the largest float32 ≤ v (down) or the smallest ≥ v
 * (up), so that input boxes built in float64 stay enclosed once fed to a float32 graph.
 */
export function toFloat32Down(v: number): number {
  const f = Math.fround(v);
  return f <= v ? f : nextFloat32(f, -1);
}

/** The smallest float32 ≥ v. */
export function toFloat32Up(v: number): number {
  const f = Math.fround(v);
  return f >= v ? f : nextFloat32(f, 1);
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The float32 neighbour of a finite float32 `f` towards +∞ (dir 1) or −∞ (dir −1). */
export function nextFloat32(f: number, dir: 1 | -1): number {
  if (f === 0) return dir * 2 ** -149;
  f32[0] = f;
  i32[0] += (f > 0) === (dir > 0) ? 1 : -1;
  return f32[0];
}

/**
 * The documented margin of the float64 CROWN graphs: every concretised bound is lowered by
 * CROWN_RELATIVE × M, where M sums the magnitudes of every term that entered it (|A|·|x| at the
 * input, |A|·|offset| at each layer). Float64 rounding perturbs each computed sum by at most
 * n·2⁻⁵³ of its terms' magnitudes (n ≤ 10⁶ terms here); 2⁻³⁰ leaves a factor 2²³ for the error
 * carried through the layers' coefficients.
 */
export const CROWN_RELATIVE = 2 ** -30;

/**
 * What the float64 CROWN margins leave for the model's own float32 evaluation (the attacks see
 * that, not the exact network): the certified margin is lowered by CROWN_EVAL32 × M (M as for
 * CROWN_RELATIVE) plus CROWN_EVAL32_ABSOLUTE. 2⁻¹⁷ ≈ 7.6e-6 of the terms' magnitudes is 128
 * float32 roundings of every term: a documented margin, not a proof (docs/certification.md); the
 * CROWN property checks hold every op's float32 output to it.
 */
export const CROWN_EVAL32 = 2 ** -17;
/** The absolute part of that allowance (float32 kernels of Sigmoid/Tanh are off by up to 2.5e-7, ./rules/monotone-kernel.ts). */
export const CROWN_EVAL32_ABSOLUTE = 2 ** -16;
