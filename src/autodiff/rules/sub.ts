/** Sub: y = a − b (broadcasting); da = unbroadcast(dy), db = −unbroadcast(dy). */
import { GradientRule } from '../types';

export const sub: GradientRule = {
  opType: 'Sub',
  differentiable: [0, 1],
  build: (g) => [
    g.unbroadcast(g.gradOutput(0)!, g.input(0)),
    g.unbroadcast(g.op('Neg', [g.gradOutput(0)!]), g.input(1)),
  ],
};
