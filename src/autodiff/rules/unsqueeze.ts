/** Unsqueeze: inserts size-1 axes; dx = reshape(dy, shape(x)). */
import { GradientRule } from '../types';
import { reshapeToInput } from './common';

export const unsqueeze: GradientRule = {
  opType: 'Unsqueeze',
  differentiable: [0],
  build: (g) => [reshapeToInput(g)],
};
