/** Add: y = a + b (broadcasting); da = unbroadcast(dy), db = unbroadcast(dy). */
import { GradientRule } from '../types';

export const add: GradientRule = {
  opType: 'Add',
  differentiable: [0, 1],
  build: (g) => [g.unbroadcast(g.gradOutput(0)!, g.input(0)), g.unbroadcast(g.gradOutput(0)!, g.input(1))],
};
