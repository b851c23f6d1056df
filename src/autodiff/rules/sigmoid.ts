/** Sigmoid: y = 1 / (1 + e⁻ˣ); dx = dy · y · (1 − y). */
import { GradientRule } from '../types';

export const sigmoid: GradientRule = {
  opType: 'Sigmoid',
  differentiable: [0],
  build: (g) => {
    const y = g.output(0);
    return [g.op('Mul', [g.gradOutput(0)!, g.op('Mul', [y, g.op('Sub', [g.scalar(1), y])])])];
  },
};
