/**
 * Building blocks shared by the bound rules.
 *
 * Affine ops (Gemm, MatMul, Conv, and elementwise products with constants) use the centre /
 * radius form of interval arithmetic: for y = W·x + b with x ∈ [c − r, c + r],
 *   y ∈ [W·c + b − |W|·r,  W·c + b + |W|·r],
 * which is exact for one affine op (Gowal et al. 2018, eq. 6). The magnitude |W|·(|c| + r) + |b|
 * bounds every term of the sum and sizes the outward widening (../float-error.ts).
 *
 * Ops that only select, move or copy elements (Reshape, Slice, MaxPool, Relu …) are monotone
 * and exact in floating point: applied to lo and to hi separately they give the interval.
 */
import { U32, FTZ32 } from '../float-error';
import type { IbpContext, Interval } from '../types';

/** Centre and a radius that provably covers [lo, hi] despite rounding: r = max(hi − c, c − lo)·(1 + 4u) + 2⁻¹²⁶. */
export function centreRadius(ctx: IbpContext, x: Interval): { c: string; r: string } {
  const c = ctx.op('Mul', [ctx.op('Add', [x.lo, x.hi]), ctx.scalar(0.5)]);
  const spread = ctx.op('Max', [ctx.op('Sub', [x.hi, c]), ctx.op('Sub', [c, x.lo])]);
  const r = ctx.op('Add', [ctx.op('Mul', [spread, ctx.scalar(1 + 4 * U32)]), ctx.scalar(FTZ32)]);
  return { c, r };
}

/** How an affine op is applied: with its own weights and bias, or with |weights| and no bias / |bias|. */
export type AffineVariant = 'signed' | 'absolute' | 'absoluteWithBias';

/**
 * Interval of an affine op y = A(x) on x ∈ [lo, hi], given `apply(input, variant)` that emits
 * the op on `input` in each variant, and `terms`, the number of products each output sums.
 */
export function affineInterval(ctx: IbpContext, x: Interval, apply: (input: string, variant: AffineVariant) => string, terms: number): Interval {
  const { c, r } = centreRadius(ctx, x);
  const yc = apply(c, 'signed');
  const yr = apply(r, 'absolute');
  const magnitude = apply(ctx.op('Add', [ctx.op('Abs', [c]), r]), 'absoluteWithBias');
  return ctx.outward(ctx.op('Sub', [yc, yr]), ctx.op('Add', [yc, yr]), magnitude, terms);
}

/** The op applied to lo and to hi, its other inputs unchanged (exact for monotone selections). */
export function applyToBoth(ctx: IbpContext, at = 0): Interval {
  const x = ctx.interval(at);
  const withInput = (v: string) => ctx.node.inputs.map((name, i) => (i === at ? v : name));
  return { lo: ctx.apply(withInput(x.lo)), hi: ctx.apply(withInput(x.hi)) };
}

/** Elementwise max(|lo|, |hi|): the largest magnitude in the interval. */
export function magnitude(ctx: IbpContext, x: Interval): string {
  return ctx.op('Max', [ctx.op('Abs', [x.lo]), ctx.op('Abs', [x.hi])]);
}

/** Requires every input but `at` to be a constant of the graph. */
export function requireConstantsBesides(ctx: IbpContext, at: number): void {
  ctx.node.inputs.forEach((name, i) => {
    if (i !== at && name && ctx.operand(i).kind === 'interval') {
      ctx.unsupported(`input ${i} depends on the model input too; only input ${at} may be bounded`);
    }
  });
}
