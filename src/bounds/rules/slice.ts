/** Slice (with constant starts, ends, axes and steps) selects elements: applied to lo and to hi it gives the exact interval. */
import type { BoundRule } from '../types';
import { applyToBoth, requireConstantsBesides } from './common';

export const slice: BoundRule = {
  opType: 'Slice',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    return [applyToBoth(ctx)];
  },
};
