/** Expand: y = broadcast(x, shape) (numpy rules, both ways); dx = unbroadcast(dy) — sum over the broadcast axes. */
import { GradientRule } from '../types';

export const expand: GradientRule = {
  opType: 'Expand',
  differentiable: [0],
  build: (g) => [g.unbroadcast(g.gradOutput(0)!, g.input(0))],
};
