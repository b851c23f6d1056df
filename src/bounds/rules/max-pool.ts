/**
 * MaxPool selects the largest element of each window, which is non-decreasing in every input and
 * exact: [maxpool(lo), maxpool(hi)]. The indices output has no rule.
 * CROWN: the lower / upper bounds of ./max-pool-crown.ts.
 */
import type { BoundRule } from '../types';
import { applyToBoth } from './common';
import { maxPoolBackward } from './max-pool-crown';

export const maxPool: BoundRule = {
  opType: 'MaxPool',
  ibp: (ctx) => {
    if (ctx.node.outputs.length > 1 && ctx.node.outputs[1]) return ctx.unsupported('the indices output');
    return [applyToBoth(ctx)];
  },
  crown: {
    kind: 'bounded',
    backward: (ctx, A, l, u) => {
      if (ctx.node.outputs.length > 1 && ctx.node.outputs[1]) return ctx.unsupported('the indices output');
      return maxPoolBackward(ctx, A, l, u);
    },
  },
};
