/** Tanh is increasing: [tanh(lo), tanh(hi)], widened by the kernel's error (./monotone-kernel.ts). */
import type { BoundRule } from '../types';
import { monotoneKernel } from './monotone-kernel';

export const tanh: BoundRule = { opType: 'Tanh', ibp: (ctx) => [monotoneKernel(ctx)] };
