/** Exp: y = eˣ; dx = dy · y. */
import { GradientRule } from '../types';

export const exp: GradientRule = {
  opType: 'Exp',
  differentiable: [0],
  build: (g) => [g.op('Mul', [g.gradOutput(0)!, g.output(0)])],
};
