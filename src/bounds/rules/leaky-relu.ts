/**
 * LeakyRelu(α) with α ≥ 0 is non-decreasing: [f(lo), f(hi)]; the product α·x rounds once,
 * widened outward (../float-error.ts). α < 0 makes it non-monotone: no rule.
 * CROWN (0 ≤ α < 1): the relaxation of ./relu-relaxation.ts with a = α.
 */
import { attrFloat } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { applyToBoth, magnitude } from './common';
import { reluRelaxation } from './relu-relaxation';

export const leakyRelu: BoundRule = {
  opType: 'LeakyRelu',
  ibp: (ctx) => {
    if (attrFloat(ctx.node, 'alpha', 0.01) < 0) return ctx.unsupported('alpha < 0 (not monotone)');
    const y = applyToBoth(ctx);
    return [ctx.outward(y.lo, y.hi, magnitude(ctx, y), 1)];
  },
  crown: {
    kind: 'relaxed',
    monotone: 'rounded',
    relax: (ctx, l, u) => {
      const alpha = attrFloat(ctx.node, 'alpha', 0.01);
      if (!(alpha >= 0 && alpha < 1)) return ctx.unsupported('alpha outside [0, 1)');
      return reluRelaxation(ctx, l, u, alpha);
    },
  },
};
