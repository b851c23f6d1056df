/** Transpose moves elements: applied to lo and to hi it gives the exact interval. */
import type { BoundRule } from '../types';
import { applyToBoth, requireConstantsBesides } from './common';

export const transpose: BoundRule = {
  opType: 'Transpose',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    return [applyToBoth(ctx)];
  },
};
