/** Where: y = c ? a : b (broadcasting); da = unbroadcast(c ? dy : 0), db = unbroadcast(c ? 0 : dy). */
import { GradientRule } from '../types';

export const where: GradientRule = {
  opType: 'Where',
  differentiable: [1, 2],
  build: (g) => {
    const [c, dy, zero] = [g.input(0), g.gradOutput(0)!, g.scalar(0)];
    return [
      undefined,
      g.unbroadcast(g.op('Where', [c, dy, zero]), g.input(1)),
      g.unbroadcast(g.op('Where', [c, zero, dy]), g.input(2)),
    ];
  },
};
