/**
 * Gather (constant or computed integer indices): y = take(x, idx, axis);
 * dx = scatter-add of dy into zeros at idx along axis. Repeated indices accumulate (ScatterElements reduction='add').
 */
import { attrInt } from '../../onnx/ir';
import { GradientRule } from '../types';

export const gather: GradientRule = {
  opType: 'Gather',
  differentiable: [0],
  build: (g) => {
    const [x, idx, y] = [g.input(0), g.input(1), g.output(0)];
    const rx = g.rank(x);
    const rIdx = g.rank(idx);
    const axis = (() => { const a = attrInt(g.node, 'axis', 0); return a < 0 ? a + rx : a; })();
    const dy = g.gradOutput(0)!;
    // Flatten the indices' dims into one axis so the update and index tensors have rank(x):
    // y has shape x[:axis] + idx.shape + x[axis+1:]; reshape dy to x[:axis] + [M] + x[axis+1:].
    const m = g.shape(idx).reduce((p, q) => p * q, 1);
    const before = g.op('Slice', [g.shapeOf(x), g.ints([0]), g.ints([axis])]);
    const after = g.op('Slice', [g.shapeOf(x), g.ints([axis + 1]), g.ints([rx])]);
    const upShape = g.op('Concat', [before, g.ints([m]), after], { axis: 0 });
    const dyFlat = g.op('Reshape', [dy, upShape]);
    // Normalise negative indices, then broadcast them to the update's shape along `axis`.
    const idxFlat = g.op('Reshape', [idx, g.ints([m])]);
    // The axis length at run time: a static (probe) length would misplace negative indices on the batch axis.
    const size = g.op('Slice', [g.shapeOf(x), g.ints([axis]), g.ints([axis + 1])]);
    const idxPos = g.op('Mod', [g.op('Add', [g.op('Cast', [idxFlat], { to: 7 }), size]), size]);
    const idxShape = Array(rx).fill(1); idxShape[axis] = m;
    const idxB = g.op('Expand', [g.op('Reshape', [idxPos, g.ints(idxShape)]), upShape]);
    const zeros = g.op('Mul', [x, g.scalar(0, g.dtype(x))]);
    void rIdx; void y;
    return [g.op('ScatterElements', [zeros, idxB, dyFlat], { axis, reduction: 'add' })];
  },
};
