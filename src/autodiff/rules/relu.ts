/** Relu: y = max(x, 0); dx = dy · [x > 0] (subgradient 0 at x = 0, as PyTorch). */
import { GradientRule } from '../types';
import { maskGrad } from './common';

export const relu: GradientRule = {
  opType: 'Relu',
  differentiable: [0],
  build: (g) => [maskGrad(g, g.op('Greater', [g.input(0), g.scalar(0, g.dtype(g.input(0)))]))],
};
