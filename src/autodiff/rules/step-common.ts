/** Shared pieces of the straight-through (BPDA) rules: Round, Floor, Ceil, Sign, Cast to int, Q/DQ. */
import { DType, attrInt } from '../../onnx/ir';
import { codeFromDtype } from '../../onnx/dtype';
import { GradientRule, RuleContext } from '../types';

/**
 * A piecewise-constant elementwise op whose straight-through gradient is the identity.
 * The builder only calls it under options.straightThrough (otherwise the op's output
 * carries no gradient and the node is reported as non-differentiable).
 */
export function identityStep(opType: string): GradientRule {
  return { opType, differentiable: [0], build: (g) => [g.gradOutput(0)!] };
}

/** Cast(v, to = dtype). */
export function castTo(g: RuleContext, v: string, dtype: DType): string {
  return g.op('Cast', [v], { to: codeFromDtype(dtype) });
}

/**
 * A Q/DQ scale (input `i`) in `dtype`, shaped to broadcast against forward value `like`:
 * a scalar for per-tensor quantisation; a 1-D scale is per-axis, laid along the node's
 * `axis` attribute (default 1).
 */
export function broadcastScale(g: RuleContext, i: number, like: string, dtype: DType): string {
  const scale = g.input(i);
  const s = g.dtype(scale) === dtype ? scale : castTo(g, scale, dtype);
  if (g.rank(scale) === 0) return s;
  const rank = g.rank(like);
  const a = attrInt(g.node, 'axis', 1);
  const shape = Array<number>(rank).fill(1);
  shape[a < 0 ? a + rank : a] = -1;
  return g.op('Reshape', [s, g.ints(shape)]);
}
