/** TopK: values = the k largest (or smallest) along axis, with indices; dx = scatter(dvalues at indices) into zeros. */
import { attrInt } from '../../onnx/ir';
import { GradientRule } from '../types';

export const topK: GradientRule = {
  opType: 'TopK',
  differentiable: [0],
  build: (g) => {
    const x = g.input(0);
    const axis = attrInt(g.node, 'axis', -1);
    const zeros = g.op('Mul', [x, g.scalar(0, g.dtype(x))]);
    return [g.op('ScatterElements', [zeros, g.output(1), g.gradOutput(0)!], { axis })];
  },
};
