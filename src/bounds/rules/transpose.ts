/** Transpose moves elements: applied to lo and to hi it gives the exact interval.
 * CROWN: the adjoint is the inverse permutation (the batch must stay first).
 */
import type { BoundRule } from '../types';
import { applyToBoth, requireConstantsBesides } from './common';
import { attrInts } from '../../onnx/ir';

export const transpose: BoundRule = {
  opType: 'Transpose',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    return [applyToBoth(ctx)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      const rank = ctx.inShape(0).length + 1;
      const perm = attrInts(ctx.node, 'perm', Array.from({ length: rank }, (_, i) => rank - 1 - i));
      if (perm[0] !== 0) return ctx.unsupported('the permutation moves the batch dimension');
      const inv = new Array<number>(rank);
      perm.forEach((p, i) => { inv[p] = i; });
      return [ctx.op('Transpose', [A], { perm: [0, 1, ...inv.slice(1).map((p) => p + 1)] })];
    },
  },
};
