/** Pad (any mode, constant pads and value) copies elements and adds constants or copies: applied to lo and to hi it gives the exact interval. */
import type { BoundRule } from '../types';
import { applyToBoth, requireConstantsBesides } from './common';

export const pad: BoundRule = {
  opType: 'Pad',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    return [applyToBoth(ctx)];
  },
};
