/** Div: y = a / b (broadcasting); da = unbroadcast(dy / b), db = unbroadcast(−dy · y / b). */
import { GradientRule } from '../types';

export const div: GradientRule = {
  opType: 'Div',
  differentiable: [0, 1],
  build: (g) => {
    const dy = g.gradOutput(0)!;
    const [a, b, y] = [g.input(0), g.input(1), g.output(0)];
    const dyOverB = g.op('Div', [dy, b]);
    return [g.unbroadcast(dyOverB, a), g.unbroadcast(g.op('Neg', [g.op('Mul', [dyOverB, y])]), b)];
  },
};
