/**
 * Tile: y = x repeated rᵢ times along each axis i, so y[.., q·sᵢ + j, ..] = x[.., j, ..] with sᵢ = x.shape[i].
 * dx = Σ over the tiles: reshape dy [r₀s₀, r₁s₁, …] to [r₀, s₀, r₁, s₁, …] and ReduceSum the rᵢ axes.
 * The interleaved shape is built from the runtime repeats and shape(x), so repeats need not be constant.
 */
import { GradientRule, RuleContext } from '../types';

function pick(g: RuleContext, v: string, i: number): string {
  return g.op('Slice', [v, g.ints([i]), g.ints([i + 1])]);
}

export const tile: GradientRule = {
  opType: 'Tile',
  differentiable: [0],
  build: (g) => {
    const x = g.input(0);
    const rank = g.rank(x);
    if (rank === 0) return [g.gradOutput(0)!];
    const known = g.constant(g.input(1));
    const reps = known ? g.ints(Array.from(known.data as ArrayLike<number | bigint>, Number)) : g.input(1);
    const xShape = g.shapeOf(x);
    const interleaved = [...Array(rank).keys()].flatMap((i) => [pick(g, reps, i), pick(g, xShape, i)]);
    const split = g.op('Reshape', [g.gradOutput(0)!, g.op('Concat', interleaved, { axis: 0 })]);
    return [g.op('ReduceSum', [split, g.ints([...Array(rank).keys()].map((i) => 2 * i))], { keepdims: 0 })];
  },
};
