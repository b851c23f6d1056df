/**
 * Relu is non-decreasing and exact in floating point: [relu(lo), relu(hi)].
 * CROWN: the relaxation of ./relu-relaxation.ts with a = 0.
 */
import type { BoundRule } from '../types';
import { applyToBoth } from './common';
import { reluRelaxation } from './relu-relaxation';

export const relu: BoundRule = {
  opType: 'Relu',
  ibp: (ctx) => [applyToBoth(ctx)],
  crown: { kind: 'relaxed', monotone: 'exact', relax: (ctx, l, u) => reluRelaxation(ctx, l, u, 0) },
};
