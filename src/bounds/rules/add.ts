/**
 * Add. Two bounded tensors (a residual connection): [lo₁ + lo₂, hi₁ + hi₂]. A bounded tensor and
 * a constant k: [lo + k, hi + k]. Addition is monotone in both operands, so these are the exact
 * intervals; one rounding each, widened outward (../float-error.ts).
 * CROWN: rows pass to each bounded operand (no broadcasting of a bounded one); a constant
 * k adds Σ A·k.
 */
import type { BoundRule } from '../types';
import { sumOrDifference } from './sum-difference';
import { broadcastConstant, requireSameShape } from './crown-common';

export const add: BoundRule = {
  opType: 'Add',
  ibp: (ctx) => [sumOrDifference(ctx, 'Add')],
  crown: {
    kind: 'linear',
    backward: (ctx, A) => [0, 1].map((i) => {
      if (!ctx.bounded(i)) return undefined;
      requireSameShape(ctx, i);
      return A;
    }),
    offset: (ctx) => {
      const i = ctx.bounded(0) ? 1 : 0;
      if (ctx.bounded(i)) return undefined;
      const k = ctx.constant(i);
      return k ? broadcastConstant(ctx, k, ctx.outShape()) : ctx.unsupported('the constant operand is not known when the graph is built');
    },
  },
};
