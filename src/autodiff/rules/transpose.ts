/**
 * Transpose: y = transpose(x, perm) (default perm reverses the axes), i.e. y.axis(k) = x.axis(perm[k]);
 * dx = transpose(dy, perm⁻¹) with perm⁻¹[perm[k]] = k.
 */
import { attrInts } from '../../onnx/ir';
import { GradientRule } from '../types';

export const transpose: GradientRule = {
  opType: 'Transpose',
  differentiable: [0],
  build: (g) => {
    const rank = g.rank(g.input(0));
    const perm = attrInts(g.node, 'perm') ?? [...Array(rank).keys()].reverse();
    const inverse = Array<number>(rank);
    perm.forEach((p, k) => (inverse[p < 0 ? p + rank : p] = k));
    return [g.op('Transpose', [g.gradOutput(0)!], { perm: inverse })];
  },
};
