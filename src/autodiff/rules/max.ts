/**
 * Max (variadic, broadcasting): y = max(x₀, …, xₙ₋₁);
 * dxᵢ = unbroadcast(dy · [xᵢ = y] / #ties) — ties split equally, as PyTorch's torch.maximum.
 */
import { GradientRule } from '../types';
import { VARIADIC_INPUTS, extremumGrads } from './variadic';

export const max: GradientRule = {
  opType: 'Max',
  differentiable: [...VARIADIC_INPUTS],
  build: extremumGrads,
};
