/**
 * LeakyRelu(α) with α ≥ 0 is non-decreasing: [f(lo), f(hi)]; the product α·x rounds once,
 * widened outward (../float-error.ts). α < 0 makes it non-monotone: no rule.
 */
import { attrFloat } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { applyToBoth, magnitude } from './common';

export const leakyRelu: BoundRule = {
  opType: 'LeakyRelu',
  ibp: (ctx) => {
    if (attrFloat(ctx.node, 'alpha', 0.01) < 0) return ctx.unsupported('alpha < 0 (not monotone)');
    const y = applyToBoth(ctx);
    return [ctx.outward(y.lo, y.hi, magnitude(ctx, y), 1)];
  },
};
