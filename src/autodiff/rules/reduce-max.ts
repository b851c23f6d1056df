/**
 * ReduceMax (axes attribute up to opset 17): y = max_axes x;
 * dx = dy · [x = y] / #{x = y} — ties share the gradient equally (as TensorFlow; PyTorch's amax does too).
 */
import { GradientRule } from '../types';
import { attrReduction, expandReduced, keptOutput } from './reduce-common';

export const reduceMax: GradientRule = {
  opType: 'ReduceMax',
  differentiable: [0],
  build: (g) => {
    const x = g.input(0);
    const { axes, keepdims } = attrReduction(g);
    const isMax = g.op('Cast', [g.op('Equal', [x, keptOutput(g, axes, keepdims)])], { to: g.gradDtype === 'float64' ? 11 : 1 });
    const count = g.op('ReduceSum', [isMax, g.ints(axes)], { keepdims: 1 });
    const dyKept = expandReduced(g, g.gradOutput(0)!, axes, keepdims);
    return [g.op('Div', [g.op('Mul', [dyKept, isMax]), count])];
  },
};
