/** LeakyRelu: y = x > 0 ? x : α·x (α = 0.01); dx = x > 0 ? dy : α·dy (α·dy at x = 0, as PyTorch). */
import { attrFloat } from '../../onnx/ir';
import { GradientRule } from '../types';

export const leakyRelu: GradientRule = {
  opType: 'LeakyRelu',
  differentiable: [0],
  build: (g) => {
    const [x, dy] = [g.input(0), g.gradOutput(0)!];
    const alpha = attrFloat(g.node, 'alpha', 0.01);
    const positive = g.op('Greater', [x, g.scalar(0, g.dtype(x))]);
    return [g.op('Where', [positive, dy, g.op('Mul', [dy, g.scalar(alpha)])])];
  },
};
