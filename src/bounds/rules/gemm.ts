/**
 * Gemm, Y = α·A'·B' + β·C, bounded in A (B and C constants): an affine map of A, bounded by the
 * centre/radius form of ./common.ts with |α|·|B| for the radius and |β·C| in the magnitude. Each
 * output sums K products (K = the inner dimension) plus the bias.
 * CROWN: the adjoint sends rows A [.., M] to α·A·B'ᵀ, the offset is β·C.
 */
import { attrFloat, attrInt } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { absTensor } from '../ibp-context';
import { affineInterval, requireConstantsBesides } from './common';
import { rowsShaped, broadcastConstant } from './crown-common';
import { tensorToNumbers } from '../../onnx/ir';

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
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      if (attrInt(ctx.node, 'transA', 0)) return ctx.unsupported('transA = 1');
      if (ctx.bounded(1) || ctx.bounded(2)) return ctx.unsupported('B and C must be constants');
      const b = ctx.constant(1);
      if (!b) return ctx.unsupported('the weight matrix B is not a constant');
      const alpha = attrFloat(ctx.node, 'alpha', 1);
      const v = tensorToNumbers(b);
      const [r, c] = b.dims;
      // Wt [M, K] with y = x·Wtᵀ: B [K, M] transposed, or B itself when transB = 1.
      const wt = attrInt(ctx.node, 'transB', 0) ? v.map((x) => alpha * x) : Array.from({ length: r * c }, (_, i) => alpha * v[(i % r) * c + Math.floor(i / r)]);
      const dims = attrInt(ctx.node, 'transB', 0) ? [r, c] : [c, r];
      return [rowsShaped(ctx, ctx.op('MatMul', [A, ctx.float64(dims, wt)]), ctx.inShape(0))];
    },
    forward: (ctx, x, absolute) => {
      const b = ctx.constant(1);
      if (!b || attrInt(ctx.node, 'transA', 0)) return ctx.unsupported('forward needs transA = 0 and a constant B');
      const alpha = attrFloat(ctx.node, 'alpha', 1);
      const v = tensorToNumbers(b).map((w) => (absolute ? Math.abs(alpha * w) : alpha * w));
      return ctx.op('Gemm', [x, ctx.float64(b.dims, v)], { transB: attrInt(ctx.node, 'transB', 0) });
    },
    offset: (ctx) => {
      const c = ctx.hasInput(2) ? ctx.constant(2) : undefined;
      if (!c) return undefined;
      const beta = attrFloat(ctx.node, 'beta', 1);
      return broadcastConstant(ctx, c, ctx.outShape()).map((x) => beta * x);
    },
  },
};
