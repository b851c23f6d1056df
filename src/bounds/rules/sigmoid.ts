/** Sigmoid is increasing: [σ(lo), σ(hi)], widened by the kernel's error (./monotone-kernel.ts). */
import type { BoundRule } from '../types';
import { monotoneKernel } from './monotone-kernel';

export const sigmoid: BoundRule = { opType: 'Sigmoid', ibp: (ctx) => [monotoneKernel(ctx)] };
