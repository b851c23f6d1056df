/** Reshape (with a constant shape) copies every element: applied to lo and to hi it gives the exact interval. */
import type { BoundRule } from '../types';
import { applyToBoth, requireConstantsBesides } from './common';

export const reshape: BoundRule = {
  opType: 'Reshape',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    return [applyToBoth(ctx)];
  },
};
