/**
 * Conv with constant weights W and bias B, bounded in X: an affine map of X, bounded by the
 * centre/radius form of ./common.ts with |W| for the radius and |B| in the magnitude. Each output
 * sums (C_in / group)·k_h·k_w products plus the bias.
 */
import { numel } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { absTensor } from '../ibp-context';
import { affineInterval, requireConstantsBesides } from './common';

export const conv: BoundRule = {
  opType: 'Conv',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    const w = ctx.constant(1);
    if (!w) return ctx.unsupported('the weights are not a constant');
    const bias = ctx.hasInput(2) ? ctx.constant(2) : undefined;
    if (ctx.hasInput(2) && !bias) return ctx.unsupported('the bias is not a constant');
    const terms = numel(w.dims.slice(1)) + 1;
    const absW = ctx.constantOf(absTensor(w));
    const absB = bias ? ctx.constantOf(absTensor(bias)) : undefined;
    const apply = (x: string, variant: 'signed' | 'absolute' | 'absoluteWithBias') => {
      if (variant === 'signed') return ctx.apply([x, ...ctx.node.inputs.slice(1)]);
      return ctx.apply([x, absW, ...(variant === 'absoluteWithBias' && absB ? [absB] : [])]);
    };
    return [affineInterval(ctx, ctx.interval(0), apply, terms)];
  },
};
