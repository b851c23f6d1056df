/** Sum (variadic, broadcasting): y = x₀ + … + xₙ₋₁; dxᵢ = unbroadcast(dy). */
import { GradientRule } from '../types';
import { VARIADIC_INPUTS } from './variadic';

export const sum: GradientRule = {
  opType: 'Sum',
  differentiable: [...VARIADIC_INPUTS],
  build: (g) => g.node.inputs.map((_, i) => g.unbroadcast(g.gradOutput(0)!, g.input(i))),
};
