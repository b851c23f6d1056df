/**
 * GlobalAveragePool: the mean over all spatial positions, a linear map with non-negative weights:
 * [gap(lo), gap(hi)], widened for a sum of H·W terms (../float-error.ts).
 */
import { numel } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { applyToBoth, magnitude } from './common';

export const globalAveragePool: BoundRule = {
  opType: 'GlobalAveragePool',
  ibp: (ctx) => {
    const x = ctx.interval(0);
    const y = applyToBoth(ctx);
    const spatial = numel(ctx.shape(ctx.node.inputs[0]).slice(2));
    return [ctx.outward(y.lo, y.hi, ctx.apply([magnitude(ctx, x)]), spatial + 1)];
  },
};
