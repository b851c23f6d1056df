/**
 * Sub, a − b: increasing in a, decreasing in b. Both bounded: [lo_a − hi_b, hi_a − lo_b];
 * a constant on either side: the same with lo = hi = the constant. Widened outward for the one
 * rounding (../float-error.ts).
 * CROWN: rows pass to a (A) and to b (−A); a constant k adds Σ A·(±k).
 */
import type { BoundRule } from '../types';
import { sumOrDifference } from './sum-difference';
import { broadcastConstant, requireSameShape } from './crown-common';

export const sub: BoundRule = {
  opType: 'Sub',
  ibp: (ctx) => [sumOrDifference(ctx, 'Sub')],
  crown: {
    kind: 'linear',
    backward: (ctx, A) => [0, 1].map((i) => {
      if (!ctx.bounded(i)) return undefined;
      requireSameShape(ctx, i);
      return i === 0 ? A : ctx.op('Neg', [A]);
    }),
    offset: (ctx) => {
      const i = ctx.bounded(0) ? 1 : 0;
      if (ctx.bounded(i)) return undefined;
      const k = ctx.constant(i);
      if (!k) return ctx.unsupported('the constant operand is not known when the graph is built');
      const v = broadcastConstant(ctx, k, ctx.outShape());
      return i === 1 ? v.map((x) => -x) : v;
    },
  },
};
