/**
 * ReduceSum (opset 13+: axes as input): y = Σ_axes x; dx = expand(dy with reduced axes kept, shape(x)).
 * Empty/absent axes reduce all axes unless noop_with_empty_axes.
 */
import { attrInt } from '../../onnx/ir';
import { GradientRule } from '../types';
import { constInts, normAxes } from './common';
import { expandReduced } from './reduce-common';

export const reduceSum: GradientRule = {
  opType: 'ReduceSum',
  differentiable: [0],
  build: (g) => {
    const rank = g.rank(g.input(0));
    let axes = g.hasInput(1) ? normAxes(constInts(g, 1, 'axes'), rank) : [];
    if (axes.length === 0) {
      if (attrInt(g.node, 'noop_with_empty_axes', 0)) return [g.gradOutput(0)];
      axes = [...Array(rank).keys()];
    }
    return [expandReduced(g, g.gradOutput(0)!, axes, attrInt(g.node, 'keepdims', 1) === 1)];
  },
};
