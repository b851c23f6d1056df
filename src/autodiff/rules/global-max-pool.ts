/**
 * GlobalMaxPool: y[n, c] = max of x[n, c, …] over the spatial axes;
 * dx = dy · [x = y] / #{x = y} — ties share the gradient equally, as in the ReduceMax rule.
 */
import { GradientRule } from '../types';

export const globalMaxPool: GradientRule = {
  opType: 'GlobalMaxPool',
  differentiable: [0],
  build: (g) => {
    const [x, y] = [g.input(0), g.output(0)];
    const axes = [...Array(g.rank(x) - 2).keys()].map((k) => k + 2);
    const isMax = g.op('Cast', [g.op('Equal', [x, y])], { to: g.gradDtype === 'float64' ? 11 : 1 });
    const count = g.op('ReduceSum', [isMax, g.ints(axes)], { keepdims: 1 });
    return [g.op('Div', [g.op('Mul', [g.gradOutput(0)!, isMax]), count])];
  },
};
