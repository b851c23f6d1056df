/**
 * Add. Two bounded tensors (a residual connection): [lo₁ + lo₂, hi₁ + hi₂]. A bounded tensor and
 * a constant k: [lo + k, hi + k]. Addition is monotone in both operands, so these are the exact
 * intervals; one rounding each, widened outward (../float-error.ts).
 */
import type { BoundRule } from '../types';
import { sumOrDifference } from './sum-difference';

export const add: BoundRule = {
  opType: 'Add',
  ibp: (ctx) => [sumOrDifference(ctx, 'Add')],
};
