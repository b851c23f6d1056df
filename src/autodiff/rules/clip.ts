/**
 * Clip: y = min(max(x, lo), hi), lo/hi optional scalar inputs;
 * dx = dy where lo < x < hi strictly (0 at the bounds, as PyTorch's hardtanh_backward; clamp's passes there),
 * dlo = Σ dy where x < lo,  dhi = Σ dy where x > hi (only used when a bound depends on the input).
 */
import { GradientRule } from '../types';

export const clip: GradientRule = {
  opType: 'Clip',
  differentiable: [0, 1, 2],
  build: (g) => {
    const [x, dy, zero] = [g.input(0), g.gradOutput(0)!, g.scalar(0)];
    const [lo, hi] = [g.hasInput(1) ? g.input(1) : undefined, g.hasInput(2) ? g.input(2) : undefined];
    const aboveLo = lo ? g.op('Greater', [x, lo]) : undefined;
    const belowHi = hi ? g.op('Less', [x, hi]) : undefined;
    const inside = aboveLo && belowHi ? g.op('And', [aboveLo, belowHi]) : aboveLo ?? belowHi;
    const dx = inside ? g.op('Where', [inside, dy, zero]) : dy;
    const dlo = lo ? g.unbroadcast(g.op('Where', [g.op('Less', [x, lo]), dy, zero]), lo) : undefined;
    const dhi = hi ? g.unbroadcast(g.op('Where', [g.op('Greater', [x, hi]), dy, zero]), hi) : undefined;
    return [dx, dlo, dhi];
  },
};
