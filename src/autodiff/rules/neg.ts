/** Neg: y = −x; dx = −dy. */
import { GradientRule } from '../types';

export const neg: GradientRule = {
  opType: 'Neg',
  differentiable: [0],
  build: (g) => [g.op('Neg', [g.gradOutput(0)!])],
};
