/** Erf: y = erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt; dx = dy · (2/√π) · e^(−x²). */
import { GradientRule } from '../types';

export const erf: GradientRule = {
  opType: 'Erf',
  differentiable: [0],
  build: (g) => {
    const x = g.input(0);
    const gauss = g.op('Exp', [g.op('Neg', [g.op('Mul', [x, x])])]);
    return [g.op('Mul', [g.gradOutput(0)!, g.op('Mul', [gauss, g.scalar(2 / Math.sqrt(Math.PI))])])];
  },
};
