/**
 * Concat joins its inputs along an axis, copying every element: the lower bounds of the bounded
 * inputs and the constants joined give lo, the upper bounds and the constants give hi (exact).
 * CROWN: each bounded input gets its slice of the rows; constant inputs add Σ A·constant.
 */
import type { BoundRule } from '../types';
import { attrInt, numel, tensorToNumbers } from '../../onnx/ir';
import type { CrownContext } from '../types';

export const concat: BoundRule = {
  opType: 'Concat',
  ibp: (ctx) => {
    const side = (which: 'lo' | 'hi') => ctx.node.inputs.map((_, i) => {
      const o = ctx.operand(i);
      return o.kind === 'interval' ? o.interval[which] : o.name;
    });
    return [{ lo: ctx.apply(side('lo')), hi: ctx.apply(side('hi')) }];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      const { axis, offsets } = concatGeometry(ctx);
      return ctx.node.inputs.map((_, i) => (ctx.bounded(i)
        ? ctx.op('Slice', [A, ctx.ints([offsets[i]]), ctx.ints([offsets[i + 1]]), ctx.ints([axis + 1])])
        : undefined));
    },
    offset: (ctx) => {
      if (ctx.node.inputs.every((_, i) => ctx.bounded(i))) return undefined;
      const { axis, offsets } = concatGeometry(ctx);
      const out = ctx.outShape();
      const res = new Float64Array(numel(out));
      const outer = numel(out.slice(0, axis - 1)), inner = numel(out.slice(axis));
      ctx.node.inputs.forEach((_, i) => {
        if (ctx.bounded(i)) return;
        const t = ctx.constant(i);
        if (!t || (t.dims.length === out.length + 1 && t.dims[0] !== 1)) ctx.unsupported(`input ${i} is not a per-sample constant`);
        const v = tensorToNumbers(t!);
        const width = offsets[i + 1] - offsets[i];
        for (let o = 0; o < outer; o++) for (let k = 0; k < width * inner; k++) res[(o * out[axis - 1] + offsets[i]) * inner + k] = v[o * width * inner + k];
      });
      return res;
    },
  },
};

/** The concat axis (≥ 1, counting the batch) and each input's start along it. */
function concatGeometry(ctx: CrownContext): { axis: number; offsets: number[] } {
  const rank = ctx.outShape().length + 1;
  const a0 = attrInt(ctx.node, 'axis', 0);
  const axis = a0 < 0 ? a0 + rank : a0;
  if (axis === 0) return ctx.unsupported('a concatenation along the batch dimension');
  const offsets = [0];
  ctx.node.inputs.forEach((_, i) => offsets.push(offsets[i] + ctx.inShape(i)[axis - 1]));
  return { axis, offsets };
}
