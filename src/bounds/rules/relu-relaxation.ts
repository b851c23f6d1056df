/**
 * The CROWN relaxation of y = max(x, a·x), 0 ≤ a < 1 (Relu: a = 0; LeakyRelu: a = α), on [l, u]
 * (Zhang et al. 2018, sec. 3.2; the adaptive lower slope of sec. 3.3):
 *   l ≥ 0: y = x.   u ≤ 0: y = a·x.
 *   l < 0 < u: upper, the chord through (l, a·l) and (u, u): slope (u − a·l)/(u − l), intercept
 *   a·l − slope·l; lower, y ≥ x when u ≥ −l, else y ≥ a·x (both lines pass through 0, both are
 *   below the function on the whole real line).
 */
import type { CrownContext, Relaxation } from '../types';

export function reluRelaxation(ctx: CrownContext, l: string, u: string, a: number): Relaxation {
  const one = ctx.scalar(1), zero = ctx.scalar(0), slopeA = ctx.scalar(a);
  const pos = ctx.op('GreaterOrEqual', [l, zero]);
  const neg = ctx.op('LessOrEqual', [u, zero]);
  const den = ctx.op('Where', [ctx.op('Greater', [u, l]), ctx.op('Sub', [u, l]), one]);
  const al0 = a === 0 ? zero : ctx.op('Mul', [l, slopeA]);
  const su = ctx.op('Div', [ctx.op('Sub', [u, al0]), den]);
  const sl = ctx.op('Where', [ctx.op('GreaterOrEqual', [u, ctx.op('Neg', [l])]), one, slopeA]);
  const fixed = ctx.op('Where', [pos, one, slopeA]);
  const stable = ctx.op('Or', [pos, neg]);
  return {
    al: ctx.op('Where', [stable, fixed, sl]),
    au: ctx.op('Where', [stable, fixed, su]),
    bu: ctx.op('Where', [stable, zero, ctx.op('Sub', [al0, ctx.op('Mul', [su, l])])]),
  };
}
