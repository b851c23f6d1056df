/**
 * HardSwish: y = x · max(0, min(1, x/6 + 1/2));
 * dx = 0 for x < −3, dy · (x/3 + 1/2) for −3 ≤ x ≤ 3, dy for x > 3 (as PyTorch's hardswish_backward).
 */
import { GradientRule } from '../types';

export const hardSwish: GradientRule = {
  opType: 'HardSwish',
  differentiable: [0],
  build: (g) => {
    const [x, dy] = [g.input(0), g.gradOutput(0)!];
    const dt = g.dtype(x);
    const middle = g.op('Add', [g.op('Mul', [x, g.scalar(1 / 3, dt)]), g.scalar(0.5, dt)]);
    const slope = g.op('Where', [
      g.op('Less', [x, g.scalar(-3, dt)]), g.scalar(0, dt),
      g.op('Where', [g.op('LessOrEqual', [x, g.scalar(3, dt)]), middle, g.scalar(1, dt)]),
    ]);
    return [g.op('Mul', [dy, slope])];
  },
};
