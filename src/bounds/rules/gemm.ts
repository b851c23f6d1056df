/**
 * Gemm, Y = α·A'·B' + β·C, bounded in A (B and C constants): an affine map of A, bounded by the
 * centre/radius form of ./common.ts with |α|·|B| for the radius and |β·C| in the magnitude. Each
 * output sums K products (K = the inner dimension) plus the bias.
 */
import { attrFloat, attrInt } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { absTensor } from '../ibp-context';
import { affineInterval, requireConstantsBesides } from './common';

export const gemm: BoundRule = {
  opType: 'Gemm',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    const a = ctx.interval(0);
    const b = ctx.constant(1);
    if (!b) return ctx.unsupported('the weight matrix B is not a constant');
    const c = ctx.hasInput(2) ? ctx.constant(2) : undefined;
    if (ctx.hasInput(2) && !c) return ctx.unsupported('the bias C is not a constant');
    const alpha = attrFloat(ctx.node, 'alpha', 1);
    const beta = attrFloat(ctx.node, 'beta', 1);
    const inner = attrInt(ctx.node, 'transB', 0) ? b.dims[1] : b.dims[0];
    const absB = ctx.constantOf(absTensor(b));
    const absC = c ? ctx.constantOf(absTensor(c)) : undefined;
    const apply = (x: string, variant: 'signed' | 'absolute' | 'absoluteWithBias') => {
      if (variant === 'signed') return ctx.apply([x, ctx.node.inputs[1], ...(c ? [ctx.node.inputs[2]] : [])]);
      const bias = variant === 'absoluteWithBias' && absC ? [absC] : [];
      return ctx.apply([x, absB, ...bias], { alpha: { float: Math.abs(alpha) }, beta: { float: Math.abs(beta) } });
    };
    return [affineInterval(ctx, a, apply, inner + 1)];
  },
};
