/** Sqrt: y = √x; dx = dy / (2y). */
import { GradientRule } from '../types';

export const sqrt: GradientRule = {
  opType: 'Sqrt',
  differentiable: [0],
  build: (g) => [g.op('Div', [g.gradOutput(0)!, g.op('Mul', [g.output(0), g.scalar(2)])])],
};
