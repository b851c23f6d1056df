/**
 * Relu: y = max(x, 0); dx = dy · [x > 0] (subgradient 0 at x = 0, as PyTorch).
 * The mask reads y (y > 0 ⇔ x > 0), not x: then the only reader of x is the Relu itself and ORT fuses
 * Conv + Relu into one NCHWc kernel, saving the Relu pass and a layout reorder of the conv output.
 */
import { GradientRule } from '../types';
import { maskGrad } from './common';

export const relu: GradientRule = {
  opType: 'Relu',
  differentiable: [0],
  build: (g) => [maskGrad(g, g.op('Greater', [g.output(0), g.scalar(0, g.dtype(g.input(0)))]))],
};
