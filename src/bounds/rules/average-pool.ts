/**
 * AveragePool: each output is a mean of a window, a linear map with non-negative weights, so
 * [avgpool(lo), avgpool(hi)] is exact. The sum of k = Π kernel_shape terms and the division are
 * widened outward with magnitude avgpool(max(|lo|, |hi|)) (../float-error.ts).
 */
import { attrInts, numel } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { applyToBoth, magnitude } from './common';

export const averagePool: BoundRule = {
  opType: 'AveragePool',
  ibp: (ctx) => {
    const x = ctx.interval(0);
    const y = applyToBoth(ctx);
    const k = numel(attrInts(ctx.node, 'kernel_shape', [1]));
    return [ctx.outward(y.lo, y.hi, ctx.apply([magnitude(ctx, x)]), k + 1)];
  },
};
