/** Softmax (single axis, opset 13): y = e^x / Σ_axis e^x; dx = y · (dy − Σ_axis(dy · y)). */
import { attrInt } from '../../onnx/ir';
import { GradientRule } from '../types';

export const softmax: GradientRule = {
  opType: 'Softmax',
  differentiable: [0],
  build: (g) => {
    const [y, dy] = [g.output(0), g.gradOutput(0)!];
    const axis = attrInt(g.node, 'axis', -1);
    const dot = g.op('ReduceSum', [g.op('Mul', [dy, y]), g.ints([axis])], { keepdims: 1 });
    return [g.op('Mul', [y, g.op('Sub', [dy, dot])])];
  },
};
