/** Pad (any mode, constant pads and value) copies elements and adds constants or copies: applied to lo and to hi it gives the exact interval.
 * CROWN (constant mode): the adjoint slices the rows back to the input; padding with a value
 * v ≠ 0 adds Σ A·v over the border.
 */
import type { BoundRule } from '../types';
import { applyToBoth, requireConstantsBesides } from './common';
import { attrString, numel } from '../../onnx/ir';
import { constantNumbers } from './crown-common';
import type { CrownContext } from '../types';

export const pad: BoundRule = {
  opType: 'Pad',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    return [applyToBoth(ctx)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      const { begin, shape } = padGeometry(ctx);
      const axes = shape.map((_, i) => i + 2);
      return [ctx.op('Slice', [A, ctx.ints(begin), ctx.ints(begin.map((b, i) => b + shape[i])), ctx.ints(axes)]), undefined, undefined];
    },
    offset: (ctx) => {
      const value = ctx.hasInput(2) && ctx.node.inputs[2] ? constantNumbers(ctx, 2, 'the pad value')[0] : 0;
      if (!value) return undefined;
      const { begin, shape } = padGeometry(ctx);
      const out = ctx.outShape();
      const res = new Float64Array(numel(out)).fill(value);
      const idx = new Array(out.length).fill(0);
      for (let k = 0; k < res.length; k++) {
        if (idx.every((v, a) => v >= begin[a] && v < begin[a] + shape[a])) res[k] = 0;
        for (let a = out.length - 1; a >= 0; a--) { if (++idx[a] < out[a]) break; idx[a] = 0; }
      }
      return res;
    },
  },
};

/** Per-sample leading pads and input shape of a constant-mode Pad. */
function padGeometry(ctx: CrownContext): { begin: number[]; shape: number[] } {
  if (attrString(ctx.node, 'mode', 'constant') !== 'constant') return ctx.unsupported('only constant padding has a CROWN rule');
  if (ctx.hasInput(3)) return ctx.unsupported('the axes input');
  const pads = constantNumbers(ctx, 1, 'pads');
  const shape = ctx.inShape(0);
  const rank = shape.length + 1;
  if (pads.some((p) => p < 0)) return ctx.unsupported('negative pads (cropping)');
  if (pads[0] || pads[rank]) return ctx.unsupported('padding of the batch dimension');
  return { begin: pads.slice(1, rank), shape };
}
