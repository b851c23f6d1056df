/** Identity copies its input: applied to lo and to hi it gives the exact interval. */
import type { BoundRule } from '../types';
import { applyToBoth, requireConstantsBesides } from './common';

export const identity: BoundRule = {
  opType: 'Identity',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    return [applyToBoth(ctx)];
  },
};
