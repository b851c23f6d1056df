/** Relu is non-decreasing and exact in floating point: [relu(lo), relu(hi)]. */
import type { BoundRule } from '../types';
import { applyToBoth } from './common';

export const relu: BoundRule = { opType: 'Relu', ibp: (ctx) => [applyToBoth(ctx)] };
