/**
 * Sub, a − b: increasing in a, decreasing in b. Both bounded: [lo_a − hi_b, hi_a − lo_b];
 * a constant on either side: the same with lo = hi = the constant. Widened outward for the one
 * rounding (../float-error.ts).
 */
import type { BoundRule } from '../types';
import { sumOrDifference } from './sum-difference';

export const sub: BoundRule = {
  opType: 'Sub',
  ibp: (ctx) => [sumOrDifference(ctx, 'Sub')],
};
