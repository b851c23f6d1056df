/** Reciprocal: y = 1/x; dx = −dy · y². */
import { GradientRule } from '../types';

export const reciprocal: GradientRule = {
  opType: 'Reciprocal',
  differentiable: [0],
  build: (g) => {
    const y = g.output(0);
    return [g.op('Neg', [g.op('Mul', [g.gradOutput(0)!, g.op('Mul', [y, y])])])];
  },
};
