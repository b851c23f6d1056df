/** Selu: y = γ·(x > 0 ? x : α(eˣ − 1)); dx = x > 0 ? γ·dy : dy · (y + γα). */
import { attrFloat } from '../../onnx/ir';
import { GradientRule } from '../types';

export const selu: GradientRule = {
  opType: 'Selu',
  differentiable: [0],
  build: (g) => {
    const [x, y, dy] = [g.input(0), g.output(0), g.gradOutput(0)!];
    const alpha = attrFloat(g.node, 'alpha', 1.67326319217681884765625);
    const gamma = attrFloat(g.node, 'gamma', 1.05070102214813232421875);
    const positive = g.op('Greater', [x, g.scalar(0, g.dtype(x))]);
    const slope = g.op('Where', [positive, g.scalar(gamma), g.op('Add', [y, g.scalar(gamma * alpha)])]);
    return [g.op('Mul', [dy, slope])];
  },
};
