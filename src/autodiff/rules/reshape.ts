/** Reshape: y = reshape(x, s); dx = reshape(dy, shape(x)). The shape input carries no gradient. */
import { GradientRule } from '../types';
import { reshapeToInput } from './common';

export const reshape: GradientRule = {
  opType: 'Reshape',
  differentiable: [0],
  build: (g) => [reshapeToInput(g)],
};
