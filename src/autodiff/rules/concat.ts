/**
 * Concat: y = [x₀ | x₁ | … ] along axis; dxᵢ = the i-th block of dy along axis.
 * Block sizes are read from the inputs' runtime shapes, so concatenating along the batch axis works too.
 */
import { attrInt } from '../../onnx/ir';
import { GradientRule } from '../types';
import { VARIADIC_INPUTS } from './variadic';

export const concat: GradientRule = {
  opType: 'Concat',
  differentiable: [...VARIADIC_INPUTS],
  build: (g) => {
    const n = g.node.inputs.length;
    if (n === 1) return [g.gradOutput(0)!];
    const rank = g.rank(g.output(0));
    const a = attrInt(g.node, 'axis', 0);
    const axis = a < 0 ? a + rank : a;
    const sizes = g.node.inputs.map((_, i) => g.op('Slice', [g.shapeOf(g.input(i)), g.ints([axis]), g.ints([axis + 1])]));
    return g.opN('Split', [g.gradOutput(0)!, g.op('Concat', sizes, { axis: 0 })], n, { axis });
  },
};
