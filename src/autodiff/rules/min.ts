/**
 * Min (variadic, broadcasting): y = min(x₀, …, xₙ₋₁);
 * dxᵢ = unbroadcast(dy · [xᵢ = y] / #ties) — ties split equally, as PyTorch's torch.minimum.
 */
import { GradientRule } from '../types';
import { VARIADIC_INPUTS, extremumGrads } from './variadic';

export const min: GradientRule = {
  opType: 'Min',
  differentiable: [...VARIADIC_INPUTS],
  build: extremumGrads,
};
