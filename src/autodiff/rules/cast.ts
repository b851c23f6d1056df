/**
 * Cast: between float types y = x, dx = Cast(dy, dtype(x)); to an integer type a step (BPDA: dx = dy cast back).
 * The builder reports a float→integer Cast, which passes no gradient unless straightThrough. The gradient of an
 * integer input (inside such a chain) stays in dy's float type; the Cast that produced the integer casts it back.
 */
import { isFloat } from '../../onnx/ir';
import { GradientRule } from '../types';
import { castTo } from './step-common';

export const cast: GradientRule = {
  opType: 'Cast',
  differentiable: [0],
  build: (g) => {
    const dy = g.gradOutput(0)!;
    const [xType, yType] = [g.dtype(g.input(0)), g.dtype(g.output(0))];
    if (!isFloat(xType) || xType === yType) return [dy];
    // From an integer y, dy's float type is whatever the consumer produced: always cast.
    return [castTo(g, dy, xType)];
  },
};
