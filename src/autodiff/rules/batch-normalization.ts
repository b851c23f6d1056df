/**
 * BatchNormalization, inference mode (running statistics are constants):
 *   y = (x − mean)/sqrt(var + ε)·scale + B,  per channel (axis 1)
 *   dx = dy·scale/sqrt(var + ε), the factor broadcast over axis 1
 */
import { UnsupportedOpError } from '../../errors';
import { attrFloat, attrInt } from '../../onnx/ir';
import { GradientRule } from '../types';

export const batchNormalization: GradientRule = {
  opType: 'BatchNormalization',
  differentiable: [0],
  build: (g) => {
    if (attrInt(g.node, 'training_mode', 0) !== 0) {
      throw new UnsupportedOpError(
        `BatchNormalization '${g.node.name}' runs in training mode (batch statistics); export the model in inference mode`,
        { opType: 'BatchNormalization', node: g.node.name },
      );
    }
    const [x, scale, variance] = [g.input(0), g.input(1), g.input(4)];
    const asGrad = (v: string) => (g.dtype(v) === g.gradDtype ? v : g.op('Cast', [v], { to: g.gradDtype === 'float64' ? 11 : 1 }));
    const eps = attrFloat(g.node, 'epsilon', 1e-5);
    const factor = g.op('Div', [asGrad(scale), g.op('Sqrt', [g.op('Add', [asGrad(variance), g.scalar(eps)])])]);
    // [C] → [C, 1, …, 1] so it broadcasts against [N, C, D1, …].
    const rank = g.rank(x);
    const perChannel = rank > 2 ? g.op('Reshape', [factor, g.ints([-1, ...Array(rank - 2).fill(1)])]) : factor;
    return [g.op('Mul', [g.gradOutput(0)!, perChannel])];
  },
};
