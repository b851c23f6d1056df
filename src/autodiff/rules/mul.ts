/** Mul: y = a · b (broadcasting); da = unbroadcast(dy · b), db = unbroadcast(dy · a). */
import { GradientRule } from '../types';

export const mul: GradientRule = {
  opType: 'Mul',
  differentiable: [0, 1],
  build: (g) => {
    const dy = g.gradOutput(0)!;
    const [a, b] = [g.input(0), g.input(1)];
    return [g.unbroadcast(g.op('Mul', [dy, b]), a), g.unbroadcast(g.op('Mul', [dy, a]), b)];
  },
};
