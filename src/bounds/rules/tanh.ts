/**
 * Tanh is increasing: [tanh(lo), tanh(hi)], widened by the kernel's error (./monotone-kernel.ts).
 * CROWN: the tangent/chord relaxation of ./s-shaped.ts.
 */
import type { BoundRule } from '../types';
import { monotoneKernel } from './monotone-kernel';
import { sShapedRelaxation } from './s-shaped';

export const tanh: BoundRule = {
  opType: 'Tanh',
  ibp: (ctx) => [monotoneKernel(ctx)],
  crown: { kind: 'relaxed', monotone: 'rounded', relax: (ctx, l, u) => sShapedRelaxation(ctx, l, u, 'Tanh') },
};
