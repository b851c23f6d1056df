/**
 * MatMul with one constant operand, X·W or W·X: an affine map of the bounded operand (no bias),
 * bounded by the centre/radius form of ./common.ts with |W| for the radius. Each output sums K
 * products (K = the shared dimension). A product of two bounded tensors has no rule.
 * CROWN (W a constant matrix): the adjoint sends rows A of X·W to A·Wᵀ, of W·X to Wᵀ·A.
 */
import type { BoundRule } from '../types';
import { absTensor } from '../ibp-context';
import { affineInterval } from './common';
import { rowsShaped } from './crown-common';
import { tensorToNumbers } from '../../onnx/ir';

export const matMul: BoundRule = {
  opType: 'MatMul',
  ibp: (ctx) => {
    const [left, right] = [ctx.operand(0), ctx.operand(1)];
    if (left.kind === 'interval' && right.kind === 'interval') return ctx.unsupported('a product of two bounded tensors');
    const at = left.kind === 'interval' ? 0 : 1;
    const w = ctx.constant(1 - at);
    if (!w) return ctx.unsupported('the constant operand is not known when the graph is built');
    const inner = at === 0 ? w.dims[Math.max(0, w.dims.length - 2)] : w.dims[w.dims.length - 1];
    const absW = ctx.constantOf(absTensor(w));
    const apply = (x: string, variant: 'signed' | 'absolute' | 'absoluteWithBias') => {
      const other = variant === 'signed' ? ctx.node.inputs[1 - at] : absW;
      return ctx.apply(at === 0 ? [x, other] : [other, x]);
    };
    return [affineInterval(ctx, ctx.interval(at), apply, inner)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      if (ctx.bounded(0) && ctx.bounded(1)) return ctx.unsupported('a product of two bounded tensors');
      if (ctx.bounded(1)) {
        // W·X, W [M, K], X [N, .., K, P]: rows A [.., M, P] go to Wᵀ·A.
        const w = ctx.constant(0);
        if (!w || w.dims.length !== 2 || ctx.inShape(1).length < 2) return ctx.unsupported('W·X needs a constant matrix W and X of rank ≥ 3');
        const [m, k] = w.dims;
        const v = tensorToNumbers(w);
        const wt = Array.from({ length: k * m }, (_, i) => v[(i % m) * k + Math.floor(i / m)]);
        return [undefined, rowsShaped(ctx, ctx.op('MatMul', [ctx.float64([k, m], wt), A]), ctx.inShape(1))];
      }
      const w = ctx.constant(1);
      if (!w || w.dims.length !== 2) return ctx.unsupported('the right operand must be a constant matrix');
      const [k, m] = w.dims;
      const v = tensorToNumbers(w);
      const wt = Array.from({ length: k * m }, (_, i) => v[(i % k) * m + Math.floor(i / k)]);
      return [rowsShaped(ctx, ctx.op('MatMul', [A, ctx.float64([m, k], wt)]), ctx.inShape(0))];
    },
    forward: (ctx, x, absolute) => {
      const w = ctx.constant(1);
      if (!w || w.dims.length !== 2) return ctx.unsupported('forward needs X·W with a constant matrix W');
      return ctx.op('MatMul', [x, ctx.float64(w.dims, tensorToNumbers(w).map((v) => (absolute ? Math.abs(v) : v)))]);
    },
  },
};
