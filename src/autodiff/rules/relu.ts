/**
 * Relu: y = max(x, 0); dx = dy · [x > 0] (subgradient 0 at x = 0, as PyTorch).
 * The mask reads y (y > 0 ⇔ x > 0), not x: then the only reader of x is the Relu itself and ORT fuses
 * Conv + Relu into one NCHWc kernel, saving the Relu pass and a layout reorder of the conv output.
 *
 * float32: [y > 0] = hardsigmoid(hardsigmoid(y; α = 2¹²⁷); α = 2²²) with hardsigmoid(v; α) = clip(α·v, 0, 1),
 * exact for every y ≥ 0: y ≥ 2⁻¹²⁷ gives α·y ≥ 1 at once; a denormal y = k·2⁻¹⁴⁹ (k ≥ 1) gives exactly
 * k·2⁻²² after the first (powers of two scale exactly), which the second lifts to ≥ 1; 0 stays 0.
 * Unlike Greater + Cast, HardSigmoid and Mul are ops ORT keeps in its blocked NCHWc layout, so between
 * two convolutions (forward Conv + Relu, backward Conv) no layout reorders are needed at all.
 * float64 (no ORT HardSigmoid kernel): Greater + Cast + Mul. (A NaN y gives a NaN mask where Greater gave 0.)
 */
import { GradientRule } from '../types';
import { maskGrad } from './common';

export const relu: GradientRule = {
  opType: 'Relu',
  differentiable: [0],
  build: (g) => {
    const y = g.output(0);
    if (g.dtype(y) !== 'float32') return [maskGrad(g, g.op('Greater', [y, g.scalar(0, g.dtype(g.input(0)))]))];
    const scaled = g.op('HardSigmoid', [y], { alpha: { float: 2 ** 127 }, beta: { float: 0 } });
    return [g.op('Mul', [g.gradOutput(0)!, g.op('HardSigmoid', [scaled], { alpha: { float: 2 ** 22 }, beta: { float: 0 } })])];
  },
};
