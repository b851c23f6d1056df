/**
 * Increasing transcendental functions (Sigmoid, Tanh): [f(lo), f(hi)], widened outward by the
 * error of ONNX Runtime's float32 kernels, which are polynomial or rational approximations, not
 * correctly rounded: a relative share of KERNEL_TERMS roundings plus KERNEL_ABSOLUTE. The margin
 * is four times the largest error measured against float64 on a dense grid of inputs
 * (sigmoid.test.ts, tanh.test.ts check it).
 */
import type { IbpContext, Interval } from '../types';
import { applyToBoth, magnitude } from './common';

/** Relative widening of a kernel result, in float32 roundings (relativeMargin(56) ≈ 1.0e-5). */
export const KERNEL_TERMS = 56;
/** Absolute widening of a kernel result (outputs near 0 of functions into [−1, 1]). */
export const KERNEL_ABSOLUTE = 2 ** -22;

export function monotoneKernel(ctx: IbpContext): Interval {
  const y = applyToBoth(ctx);
  return ctx.outward(y.lo, y.hi, magnitude(ctx, y), KERNEL_TERMS, KERNEL_ABSOLUTE);
}
