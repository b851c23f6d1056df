/**
 * Div of a bounded tensor by a constant k ≠ 0 (normalisation by a standard deviation): x/k with
 * x ∈ [c − r, c + r] lies in [c/k − r/|k|, c/k + r/|k|], exact; IEEE division rounds once,
 * widened outward (../float-error.ts). A bounded divisor has no rule.
 */
import type { BoundRule } from '../types';
import { centreRadius } from './common';

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
};
