/** Abs: y = |x|; dx = dy · sign(x) (subgradient 0 at x = 0, as PyTorch). */
import { GradientRule } from '../types';

export const abs: GradientRule = {
  opType: 'Abs',
  differentiable: [0],
  build: (g) => [g.op('Mul', [g.gradOutput(0)!, g.op('Sign', [g.input(0)])])],
};
