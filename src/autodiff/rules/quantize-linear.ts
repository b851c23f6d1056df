/**
 * QuantizeLinear: y = saturate(round(x / s) + zp) (int8/uint8), a step: dx = 0; BPDA dx = dy / s.
 * s is per-tensor or per-axis (1-D along `axis`); the saturation is ignored (identity through the clamp).
 */
import { GradientRule } from '../types';
import { broadcastScale, castTo } from './step-common';

export const quantizeLinear: GradientRule = {
  opType: 'QuantizeLinear',
  differentiable: [0],
  build: (g) => {
    // dy flows along an integer edge, so its float type is not x's: cast it to x's.
    const x = g.input(0);
    const xType = g.dtype(x);
    return [g.op('Div', [castTo(g, g.gradOutput(0)!, xType), broadcastScale(g, 1, x, xType)])];
  },
};
