/**
 * GlobalAveragePool: the mean over all spatial positions, a linear map with non-negative weights:
 * [gap(lo), gap(hi)], widened for a sum of H·W terms (../float-error.ts).
 * CROWN: each channel's row entry spreads A/(H·W) over the channel.
 */
import { numel } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { applyToBoth, magnitude } from './common';
import { rowsShaped } from './crown-common';

export const globalAveragePool: BoundRule = {
  opType: 'GlobalAveragePool',
  ibp: (ctx) => {
    const x = ctx.interval(0);
    const y = applyToBoth(ctx);
    const spatial = numel(ctx.shape(ctx.node.inputs[0]).slice(2));
    return [ctx.outward(y.lo, y.hi, ctx.apply([magnitude(ctx, x)]), spatial + 1)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      const shape = ctx.inShape(0);
      const spatial = numel(shape.slice(1));
      const ones = [1, 1, shape[0], ...shape.slice(1)];
      const spread = ctx.op('Expand', [ctx.op('Mul', [A, ctx.scalar(1 / spatial)]), ctx.ints(ones.map((d, i) => (i < 3 ? 1 : d)))]);
      return [rowsShaped(ctx, spread, shape)];
    },
  },
};
