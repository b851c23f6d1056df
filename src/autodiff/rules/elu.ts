/** Elu: y = x > 0 ? x : α(eˣ − 1) (α = 1); dx = x > 0 ? dy : dy · (y + α). */
import { attrFloat } from '../../onnx/ir';
import { GradientRule } from '../types';

export const elu: GradientRule = {
  opType: 'Elu',
  differentiable: [0],
  build: (g) => {
    const [x, y, dy] = [g.input(0), g.output(0), g.gradOutput(0)!];
    const alpha = attrFloat(g.node, 'alpha', 1);
    const positive = g.op('Greater', [x, g.scalar(0, g.dtype(x))]);
    return [g.op('Where', [positive, dy, g.op('Mul', [dy, g.op('Add', [y, g.scalar(alpha)])])])];
  },
};
