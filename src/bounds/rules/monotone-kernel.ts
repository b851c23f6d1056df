/**
 * Increasing transcendental functions (Sigmoid, Tanh): [f(lo), f(hi)], widened outward by the
 * error of ONNX Runtime's float32 kernels, which are polynomial or rational approximations, not
 * correctly rounded: a relative share of KERNEL_TERMS roundings plus KERNEL_ABSOLUTE. The margin
 * is at least four times the largest error measured against float64 on a dense grid of inputs
 * (sigmoid.test.ts, tanh.test.ts check it: over [-30, 30], step 2⁻¹⁰, plus 100,000 random points,
 * onnxruntime-node 1.30.0, CPU). Measured: Sigmoid's largest absolute error 1.6e-7 (near σ = 1) and,
 * where σ is small, 1.4e-7 at σ(−13.76) ≈ 1.1e-6 (13 % relative: the absolute part covers it);
 * Tanh's 2.5e-7 (2.5e-7 relative). The absolute part was 2⁻²², only 1.7× Sigmoid's error there.
 */
import type { IbpContext, Interval } from '../types';
import { applyToBoth, magnitude } from './common';

/** Relative widening of a kernel result, in float32 roundings (relativeMargin(56) ≈ 1.0e-5). */
export const KERNEL_TERMS = 56;
/** Absolute widening of a kernel result (outputs near 0 of functions into [−1, 1]; ≈ 9.5e-7). */
export const KERNEL_ABSOLUTE = 2 ** -20;

export function monotoneKernel(ctx: IbpContext): Interval {
  const y = applyToBoth(ctx);
  return ctx.outward(y.lo, y.hi, magnitude(ctx, y), KERNEL_TERMS, KERNEL_ABSOLUTE);
}
