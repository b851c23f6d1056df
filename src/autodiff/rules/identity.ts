/** Identity: y = x; dx = dy. */
import { GradientRule } from '../types';

export const identity: GradientRule = {
  opType: 'Identity',
  differentiable: [0],
  build: (g) => [g.gradOutput(0)],
};
