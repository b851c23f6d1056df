/**
 * MaxPool selects the largest element of each window, which is non-decreasing in every input and
 * exact: [maxpool(lo), maxpool(hi)]. The indices output has no rule.
 */
import type { BoundRule } from '../types';
import { applyToBoth } from './common';

export const maxPool: BoundRule = {
  opType: 'MaxPool',
  ibp: (ctx) => {
    if (ctx.node.outputs.length > 1 && ctx.node.outputs[1]) return ctx.unsupported('the indices output');
    return [applyToBoth(ctx)];
  },
};
