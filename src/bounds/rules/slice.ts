/** Slice (with constant starts, ends, axes and steps) selects elements: applied to lo and to hi it gives the exact interval.
 * CROWN (steps 1): the adjoint pads the rows with zeros back to the input's shape.
 */
import type { BoundRule } from '../types';
import { applyToBoth, requireConstantsBesides } from './common';
import { constantNumbers } from './crown-common';

export const slice: BoundRule = {
  opType: 'Slice',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    return [applyToBoth(ctx)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      const shape = [0, ...ctx.inShape(0)];
      const rank = shape.length;
      const starts = constantNumbers(ctx, 1, 'starts');
      const ends = constantNumbers(ctx, 2, 'ends');
      const axes = ctx.hasInput(3) ? constantNumbers(ctx, 3, 'axes') : starts.map((_, i) => i);
      const steps = ctx.hasInput(4) ? constantNumbers(ctx, 4, 'steps') : starts.map(() => 1);
      const pads = new Array(2 * (rank + 1)).fill(0);
      axes.forEach((a0, i) => {
        const a = a0 < 0 ? a0 + rank : a0;
        if (a === 0) ctx.unsupported('a slice of the batch dimension');
        if (steps[i] !== 1) ctx.unsupported('steps ≠ 1');
        const d = shape[a];
        const clamp = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
        const s = clamp(starts[i]), e = Math.max(s, clamp(ends[i]));
        pads[a + 1] = s;
        pads[rank + 1 + a + 1] = d - e;
      });
      return [ctx.op('Pad', [A, ctx.ints(pads)])];
    },
  },
};
