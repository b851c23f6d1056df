/**
 * Slice: y = x[s₀ : e₀ : k₀, …] on the given axes; dx = zeros(shape(x)) with dy written at the sliced positions.
 * Per sliced axis (start clamped as the ONNX spec says: s<0 → s+D, then into [0, D] for k>0, [0, D−1] for k<0):
 * reverse dy when k<0, interleave |k|−1 zeros between its elements, then zero-pad it to D starting at the lowest
 * selected index p₀ = s (k>0) or s − (n−1)|k| (k<0), n = the output length. All lengths are runtime values.
 */
import { GradientRule, RuleContext } from '../types';
import { constInts, normAxes } from './common';

/** Far past any real dimension, yet safe from int64 overflow when offsets are added. */
const FAR = 2 ** 53;

/** Element `i` of a 1-D int64 tensor as a 1-element tensor. */
function pick(g: RuleContext, v: string, i: number): string {
  return g.op('Slice', [v, g.ints([i]), g.ints([i + 1])]);
}

export const slice: GradientRule = {
  opType: 'Slice',
  differentiable: [0],
  build: (g) => {
    const x = g.input(0);
    const rank = g.rank(x);
    const nAxes = g.shape(g.input(1))[0];
    const axes = g.hasInput(3) ? normAxes(constInts(g, 3, 'axes'), rank) : [...Array(nAxes).keys()];
    const steps = g.hasInput(4) ? constInts(g, 4, 'steps') : Array<number>(nAxes).fill(1);
    // starts may be computed at run time (int32 or int64): clamp them with int64 ops.
    const starts = g.op('Cast', [g.input(1)], { to: 7 });
    const xShape = g.shapeOf(x);

    // Undo reversal and striding, axis by axis.
    let t = g.gradOutput(0)!;
    axes.forEach((a, i) => {
      const k = steps[i];
      if (k < 0) t = g.op('Slice', [t, g.ints([-1]), g.ints([-FAR]), g.ints([a]), g.ints([-1])]);
      // A step at least as long as a static (non-batch) axis selects one element: nothing to spread.
      const m = Math.min(Math.abs(k), FAR);
      if (m > 1 && !(a !== 0 && m >= g.shape(x)[a])) {
        const grown = g.op('Mul', [g.op('Shape', [t]), g.ints([...Array(rank).keys()].map((d) => (d === a ? m : 1)))]);
        const padAfter = Array<number>(2 * (rank + 1)).fill(0);
        padAfter[rank + 1 + a + 1] = m - 1;
        const spread = g.op('Pad', [g.op('Unsqueeze', [t, g.ints([a + 1])]), g.ints(padAfter)]);
        t = g.op('Slice', [g.op('Reshape', [spread, grown]), g.ints([0]), g.ints([-(m - 1)]), g.ints([a])]);
      }
    });

    // Zero-pad every sliced axis from [p₀, p₀ + len) out to [0, D).
    const zero = g.ints([0]);
    const begin: string[] = Array(rank).fill(zero);
    const end: string[] = Array(rank).fill(zero);
    const spreadShape = g.op('Shape', [t]);
    const outShape = g.op('Shape', [g.gradOutput(0)!]);
    axes.forEach((a, i) => {
      const k = steps[i];
      const dim = pick(g, xShape, a);
      let s = g.op('Min', [pick(g, starts, i), k < 0 ? g.op('Sub', [dim, g.ints([1])]) : dim]);
      s = g.op('Where', [g.op('Less', [s, zero]), g.op('Add', [s, dim]), s]);
      s = g.op('Max', [s, zero]);
      if (k < 0) {
        const nMinus1 = g.op('Max', [g.op('Sub', [pick(g, outShape, a), g.ints([1])]), zero]);
        s = g.op('Sub', [s, g.op('Mul', [nMinus1, g.ints([Math.min(-k, FAR)])])]);
      }
      begin[a] = s;
      end[a] = g.op('Sub', [g.op('Sub', [dim, s]), pick(g, spreadShape, a)]);
    });
    return [g.op('Pad', [t, g.op('Concat', [...begin, ...end], { axis: 0 })])];
  },
};
