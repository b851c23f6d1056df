/** Mean (variadic, broadcasting): y = (x₀ + … + xₙ₋₁) / n; dxᵢ = unbroadcast(dy / n). */
import { GradientRule } from '../types';
import { VARIADIC_INPUTS } from './variadic';

export const mean: GradientRule = {
  opType: 'Mean',
  differentiable: [...VARIADIC_INPUTS],
  build: (g) => {
    const n = g.node.inputs.length;
    const share = n === 1 ? g.gradOutput(0)! : g.op('Div', [g.gradOutput(0)!, g.scalar(n)]);
    return g.node.inputs.map((_, i) => g.unbroadcast(share, g.input(i)));
  },
};
