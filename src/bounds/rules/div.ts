/**
 * Div of a bounded tensor by a constant k ≠ 0 (normalisation by a standard deviation): x/k with
 * x ∈ [c − r, c + r] lies in [c/k − r/|k|, c/k + r/|k|], exact; IEEE division rounds once,
 * widened outward (../float-error.ts). A bounded divisor has no rule.
 * CROWN: the adjoint multiplies the rows by 1/k (in float64).
 */
import type { BoundRule } from '../types';
import { centreRadius } from './common';
import { broadcastConstant, requireSameShape } from './crown-common';

export const div: BoundRule = {
  opType: 'Div',
  ibp: (ctx) => {
    if (ctx.operand(1).kind === 'interval') return ctx.unsupported('the divisor depends on the model input');
    const k = ctx.constant(1);
    if (!k) return ctx.unsupported('the divisor is not known when the graph is built');
    if (Array.from(k.data as ArrayLike<number>).some((v) => !(Number(v) !== 0) || !Number.isFinite(Number(v)))) {
      return ctx.unsupported('the divisor has a zero or non-finite entry');
    }
    const { c, r } = centreRadius(ctx, ctx.interval(0));
    const divisor = ctx.node.inputs[1];
    const absK = ctx.op('Abs', [divisor]);
    const yc = ctx.op('Div', [c, divisor]);
    const yr = ctx.op('Div', [r, absK]);
    const mag = ctx.op('Div', [ctx.op('Add', [ctx.op('Abs', [c]), r]), absK]);
    return [ctx.outward(ctx.op('Sub', [yc, yr]), ctx.op('Add', [yc, yr]), mag, 1)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      if (ctx.bounded(1)) return ctx.unsupported('the divisor depends on the model input');
      requireSameShape(ctx, 0);
      const k = ctx.constant(1);
      if (!k) return ctx.unsupported('the divisor is not known when the graph is built');
      const out = ctx.outShape();
      const inv = broadcastConstant(ctx, k, out).map((x) => 1 / x);
      if (inv.some((x) => !Number.isFinite(x))) return ctx.unsupported('the divisor has a zero or non-finite entry');
      return [ctx.op('Mul', [A, ctx.float64(out, inv)]), undefined];
    },
  },
};
