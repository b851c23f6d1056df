/** Celu: y = max(0, x) + min(0, α(e^(x/α) − 1)); dx = x > 0 ? dy : dy · e^(x/α) = dy · (y/α + 1). */
import { attrFloat } from '../../onnx/ir';
import { GradientRule } from '../types';

export const celu: GradientRule = {
  opType: 'Celu',
  differentiable: [0],
  build: (g) => {
    const [x, y, dy] = [g.input(0), g.output(0), g.gradOutput(0)!];
    const alpha = attrFloat(g.node, 'alpha', 1);
    const positive = g.op('Greater', [x, g.scalar(0, g.dtype(x))]);
    const negSlope = g.op('Add', [g.op('Div', [y, g.scalar(alpha)]), g.scalar(1)]);
    return [g.op('Where', [positive, dy, g.op('Mul', [dy, negSlope])])];
  },
};
