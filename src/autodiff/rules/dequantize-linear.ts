/**
 * DequantizeLinear: y = (q − zp) · s with integer q; dq = dy · s (per-tensor or per-axis s).
 * q carries gradient only inside a straight-through chain (x → QuantizeLinear → DequantizeLinear);
 * that gradient stays in y's float type (the rule that produced q casts it to its own input's).
 */
import { GradientRule } from '../types';
import { broadcastScale } from './step-common';

export const dequantizeLinear: GradientRule = {
  opType: 'DequantizeLinear',
  differentiable: [0],
  build: (g) => [g.op('Mul', [g.gradOutput(0)!, broadcastScale(g, 1, g.input(0), g.dtype(g.output(0)))])],
};
