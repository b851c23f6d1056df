/**
 * InstanceNormalization: y = scale_c·x̂ + B_c with x̂ standardised per (n, c) over the spatial axes;
 *   dx = r·(u − mean u − x̂·mean(u·x̂)),  u = dy·scale_c, r = 1/sqrt(var + ε)  (normalization-common.ts)
 */
import { attrFloat } from '../../onnx/ir';
import { GradientRule } from '../types';
import { standardise, standardiseGrad } from './normalization-common';

export const instanceNormalization: GradientRule = {
  opType: 'InstanceNormalization',
  differentiable: [0],
  build: (g) => {
    const [x, scale] = [g.input(0), g.input(1)];
    const rank = g.rank(x);
    const axes = [...Array(rank - 2).keys()].map((k) => k + 2);
    const s = standardise(g, x, axes, attrFloat(g.node, 'epsilon', 1e-5));
    const scaleB = g.op('Reshape', [scale, g.ints([-1, ...Array(rank - 2).fill(1)])]);
    return [standardiseGrad(g, s, g.op('Mul', [g.gradOutput(0)!, scaleB]), axes)];
  },
};
