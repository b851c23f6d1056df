/** LogSoftmax (single axis, opset 13): y = x − ln Σ_axis e^x; dx = dy − e^y · Σ_axis dy. */
import { attrInt } from '../../onnx/ir';
import { GradientRule } from '../types';

export const logSoftmax: GradientRule = {
  opType: 'LogSoftmax',
  differentiable: [0],
  build: (g) => {
    const [y, dy] = [g.output(0), g.gradOutput(0)!];
    const axis = attrInt(g.node, 'axis', -1);
    const total = g.op('ReduceSum', [dy, g.ints([axis])], { keepdims: 1 });
    return [g.op('Sub', [dy, g.op('Mul', [g.op('Exp', [y]), total])])];
  },
};
