/** Tanh: y = tanh(x); dx = dy · (1 − y²). */
import { GradientRule } from '../types';

export const tanh: GradientRule = {
  opType: 'Tanh',
  differentiable: [0],
  build: (g) => {
    const y = g.output(0);
    return [g.op('Mul', [g.gradOutput(0)!, g.op('Sub', [g.scalar(1), g.op('Mul', [y, y])])])];
  },
};
