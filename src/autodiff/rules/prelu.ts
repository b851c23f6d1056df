/**
 * PRelu: y = x > 0 ? x : s·x, slope s broadcast (unidirectionally) to x;
 * dx = x > 0 ? dy : s·dy;  ds = unbroadcast(x > 0 ? 0 : dy·x) (only used if s depends on the input).
 */
import { GradientRule } from '../types';

export const prelu: GradientRule = {
  opType: 'PRelu',
  differentiable: [0, 1],
  build: (g) => {
    const [x, s, dy] = [g.input(0), g.input(1), g.gradOutput(0)!];
    const positive = g.op('Greater', [x, g.scalar(0, g.dtype(x))]);
    const dx = g.op('Where', [positive, dy, g.op('Mul', [dy, s])]);
    const ds = g.unbroadcast(g.op('Where', [positive, g.scalar(0), g.op('Mul', [dy, x])]), s);
    return [dx, ds];
  },
};
