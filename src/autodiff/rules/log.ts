/** Log: y = ln x; dx = dy / x. */
import { GradientRule } from '../types';

export const log: GradientRule = {
  opType: 'Log',
  differentiable: [0],
  build: (g) => [g.op('Div', [g.gradOutput(0)!, g.input(0)])],
};
