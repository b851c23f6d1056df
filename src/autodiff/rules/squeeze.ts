/** Squeeze: removes size-1 axes; dx = reshape(dy, shape(x)). */
import { GradientRule } from '../types';
import { reshapeToInput } from './common';

export const squeeze: GradientRule = {
  opType: 'Squeeze',
  differentiable: [0],
  build: (g) => [reshapeToInput(g)],
};
