/**
 * Concat joins its inputs along an axis, copying every element: the lower bounds of the bounded
 * inputs and the constants joined give lo, the upper bounds and the constants give hi (exact).
 */
import type { BoundRule } from '../types';

export const concat: BoundRule = {
  opType: 'Concat',
  ibp: (ctx) => {
    const side = (which: 'lo' | 'hi') => ctx.node.inputs.map((_, i) => {
      const o = ctx.operand(i);
      return o.kind === 'interval' ? o.interval[which] : o.name;
    });
    return [{ lo: ctx.apply(side('lo')), hi: ctx.apply(side('hi')) }];
  },
};
