/**
 * MaxPool: y[o] = x[argmax over window(o)]; dx = scatter-add of dy[o] onto argmax(o).
 * The argmax is MaxPool's own Indices output (flat over the whole N·C·D… input, row-major with
 * storage_order = 0), recomputed here when the forward node does not emit it. Overlapping windows
 * sharing an argmax accumulate (ScatterElements reduction = 'add'); ties go to the first maximum, as in ORT.
 */
import { attrInt } from '../../onnx/ir';
import { GradientRule } from '../types';
import { copyAttrs } from './pool-common';

export const maxPool: GradientRule = {
  opType: 'MaxPool',
  differentiable: [0],
  build: (g) => {
    const x = g.input(0);
    let indices = g.node.outputs[1];
    if (!indices || attrInt(g.node, 'storage_order', 0) !== 0) {
      const attrs = copyAttrs(g, ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'strides']);
      indices = g.opN('MaxPool', [x], 2, attrs)[1];
    }
    const flat = g.ints([-1]);
    const zeros = g.op('Mul', [g.op('Reshape', [x, flat]), g.scalar(0, g.dtype(x))]);
    const dx = g.op('ScatterElements', [zeros, g.op('Reshape', [indices, flat]), g.op('Reshape', [g.gradOutput(0)!, flat])], {
      axis: 0, reduction: 'add',
    });
    return [g.op('Reshape', [dx, g.shapeOf(x)])];
  },
};
