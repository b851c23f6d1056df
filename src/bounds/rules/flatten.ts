/** Flatten reorders nothing and copies every element: applied to lo and to hi it gives the exact interval.
 * CROWN: a reshape, so its adjoint reshapes the rows back. */
import type { BoundRule } from '../types';
import { applyToBoth, requireConstantsBesides } from './common';
import { reshapeAdjoint } from './crown-common';

export const flatten: BoundRule = {
  opType: 'Flatten',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    return [applyToBoth(ctx)];
  },
  crown: reshapeAdjoint,
};
