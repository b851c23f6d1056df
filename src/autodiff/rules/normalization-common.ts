/**
 * Shared by InstanceNormalization and LayerNormalization: the gradient through a
 * standardisation x̂ = (x − μ)·r, μ = mean_axes x, r = 1/sqrt(mean_axes (x − μ)² + ε).
 * For an upstream gradient u on x̂ (u = dy·scale):
 *   dx = r·(u − mean_axes u − x̂·mean_axes(u·x̂))
 */
import { RuleContext } from '../types';

export interface Standardised {
  /** x̂, same shape as x. */
  xHat: string;
  /** r = 1/sqrt(var + ε), reduced axes kept as 1. */
  invStd: string;
}

/** Recomputes x̂ and r of `x` over `axes` (keepdims) in the gradient dtype. */
export function standardise(g: RuleContext, x: string, axes: number[], eps: number): Standardised {
  const mean = (v: string) => g.op('ReduceMean', [v], { axes, keepdims: 1 });
  const centred = g.op('Sub', [x, mean(x)]);
  const variance = mean(g.op('Mul', [centred, centred]));
  const invStd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.scalar(eps)])])]);
  return { xHat: g.op('Mul', [centred, invStd]), invStd };
}

/** dx = r·(u − mean u − x̂·mean(u·x̂)) for the upstream gradient `u` on x̂. */
export function standardiseGrad(g: RuleContext, s: Standardised, u: string, axes: number[]): string {
  const mean = (v: string) => g.op('ReduceMean', [v], { axes, keepdims: 1 });
  const proj = g.op('Mul', [s.xHat, mean(g.op('Mul', [u, s.xHat]))]);
  return g.op('Mul', [s.invStd, g.op('Sub', [g.op('Sub', [u, mean(u)]), proj])]);
}
