/**
 * MatMul (numpy semantics, batched with broadcasting): Y = A·B over the last two axes.
 *   dA = unbroadcast(dY·Bᵀ),  dB = unbroadcast(Aᵀ·dY)
 * A 1-D A is read as [1, K] and a 1-D B as [K, 1]; dY gets the removed axes back first.
 */
import { GradientRule, RuleContext } from '../types';

/** Sums a gradient of static shape `gradShape` down to `target` (numpy-broadcast inverse), keeping rank(target) axes. */
function sumTo(g: RuleContext, grad: string, gradShape: number[], target: number[]): string {
  const lead = gradShape.length - target.length;
  const axes: number[] = [];
  gradShape.forEach((d, k) => { if (k < lead || (target[k - lead] === 1 && d !== 1)) axes.push(k); });
  if (axes.length === 0) return grad;
  const summed = g.op('ReduceSum', [grad, g.ints(axes)], { keepdims: 1 });
  return lead > 0 ? g.op('Squeeze', [summed, g.ints([...Array(lead).keys()])]) : summed;
}

/** Swaps the last two axes of a value of rank `rank`. */
function swapLast(g: RuleContext, v: string, rank: number): string {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return g.op('Transpose', [v], { perm });
}

export const matMul: GradientRule = {
  opType: 'MatMul',
  differentiable: [0, 1],
  build: (g) => {
    const [a, b, dy] = [g.input(0), g.input(1), g.gradOutput(0)!];
    const aVec = g.rank(a) === 1, bVec = g.rank(b) === 1;
    // Promote 1-D operands to matrices, and dY to the matching batched matrix.
    const a2 = aVec ? g.op('Unsqueeze', [a, g.ints([0])]) : a;
    const b2 = bVec ? g.op('Unsqueeze', [b, g.ints([1])]) : b;
    const as = aVec ? [1, ...g.shape(a)] : g.shape(a);
    const bs = bVec ? [...g.shape(b), 1] : g.shape(b);
    let dy2 = dy;
    if (bVec) dy2 = g.op('Unsqueeze', [dy2, g.ints([g.rank(g.output(0))])]);
    if (aVec) dy2 = g.op('Unsqueeze', [dy2, g.ints([Math.max(as.length, bs.length) - 2])]);
    // Broadcast batch shape of the product (static: only the batch dims' ranks and sizes of 1 matter).
    const r = Math.max(as.length, bs.length);
    const batch: number[] = [];
    for (let k = 0; k < r - 2; k++) {
      const p = as[k - (r - as.length)] ?? 1, q = bs[k - (r - bs.length)] ?? 1;
      batch.push(p === 1 ? q : p);
    }
    const [m, kk, n] = [as[as.length - 2], as[as.length - 1], bs[bs.length - 1]];
    const da2 = g.op('MatMul', [dy2, swapLast(g, b2, bs.length)]);
    const db2 = g.op('MatMul', [swapLast(g, a2, as.length), dy2]);
    const da = sumTo(g, da2, [...batch, m, kk], as);
    const db = sumTo(g, db2, [...batch, kk, n], bs);
    return [aVec ? g.op('Reshape', [da, g.shapeOf(a)]) : da, bVec ? g.op('Reshape', [db, g.shapeOf(b)]) : db];
  },
};
