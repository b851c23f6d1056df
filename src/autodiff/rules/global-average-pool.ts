/** GlobalAveragePool: y[n, c] = mean of x[n, c, …] over the spatial axes; dx = expand(dy, shape(x)) / #spatial. */
import { GradientRule } from '../types';

export const globalAveragePool: GradientRule = {
  opType: 'GlobalAveragePool',
  differentiable: [0],
  build: (g) => {
    const x = g.input(0);
    const area = g.shape(x).slice(2).reduce((p, q) => p * q, 1);
    return [g.op('Div', [g.op('Expand', [g.gradOutput(0)!, g.shapeOf(x)]), g.scalar(area)])];
  },
};
