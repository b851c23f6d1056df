/** Flatten: y = reshape(x, [prod(x.shape[:axis]), prod(x.shape[axis:])]); dx = reshape(dy, shape(x)). */
import { GradientRule } from '../types';
import { reshapeToInput } from './common';

export const flatten: GradientRule = {
  opType: 'Flatten',
  differentiable: [0],
  build: (g) => [reshapeToInput(g)],
};
