/**
 * Mul by a constant k (normalisation, scaling): x·k with x ∈ [c − r, c + r] lies in
 * [c·k − r·|k|, c·k + r·|k|], exact; one rounding, widened outward (../float-error.ts). A product
 * of two bounded tensors (gating) has no rule.
 * CROWN: the adjoint multiplies the rows by k.
 */
import type { BoundRule } from '../types';
import { centreRadius } from './common';
import { broadcastConstant, requireSameShape } from './crown-common';

export const mul: BoundRule = {
  opType: 'Mul',
  ibp: (ctx) => {
    const [p, q] = [ctx.operand(0), ctx.operand(1)];
    if (p.kind === 'interval' && q.kind === 'interval') return ctx.unsupported('a product of two bounded tensors');
    const at = p.kind === 'interval' ? 0 : 1;
    const k = ctx.node.inputs[1 - at];
    const { c, r } = centreRadius(ctx, ctx.interval(at));
    const yc = ctx.op('Mul', [c, k]);
    const absK = ctx.op('Abs', [k]);
    const yr = ctx.op('Mul', [r, absK]);
    const mag = ctx.op('Mul', [ctx.op('Add', [ctx.op('Abs', [c]), r]), absK]);
    return [ctx.outward(ctx.op('Sub', [yc, yr]), ctx.op('Add', [yc, yr]), mag, 1)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      if (ctx.bounded(0) && ctx.bounded(1)) return ctx.unsupported('a product of two bounded tensors');
      const at = ctx.bounded(0) ? 0 : 1;
      requireSameShape(ctx, at);
      const k = ctx.constant(1 - at);
      if (!k) return ctx.unsupported('the constant factor is not known when the graph is built');
      const out = ctx.outShape();
      const g = ctx.op('Mul', [A, ctx.float64(out, broadcastConstant(ctx, k, out))]);
      return at === 0 ? [g, undefined] : [undefined, g];
    },
  },
};
