/**
 * The CROWN bounds of y = MaxPool(x) per window, given [l, u] of x (as auto_LiRPA's non-optimised
 * max-pool bound, Xu et al. 2020): lower, y ≥ x_i* with i* the window's entry of largest lower
 * bound (MaxPool of l with its indices); upper, y ≤ max_i u_i (MaxPool of u), a constant. Rows
 * A⁺ go to x_i* (summed where windows overlap), rows A⁻ add Σ A⁻·max u to the offset.
 */
import { attrInt, numel, tensorFromNumbers } from '../../onnx/ir';
import type { CrownContext } from '../types';

export function maxPoolBackward(ctx: CrownContext, A: string, l: string, u: string): { input: string; offset: string; magnitude: string } {
  if (attrInt(ctx.node, 'storage_order', 0) !== 0) return ctx.unsupported('storage_order = 1');
  const inShape = ctx.inShape(0), out = ctx.outShape();
  const nIn = numel(inShape), nOut = numel(out), R = ctx.rows;
  const [, idx] = ctx.apply([l], 2);
  const [uMax] = ctx.apply([u]);
  // ONNX Runtime's indices count from the start of the tensor: take them per sample.
  const local = ctx.op('Mod', [ctx.op('Reshape', [idx, ctx.ints([0, 1, nOut])]), ctx.ints([nIn], [])]);
  const pos = ctx.op('Relu', [A]);
  const neg = ctx.op('Sub', [A, pos]);
  // Rows that are still the same for every point ([1, R, ..]) are broadcast to the points' [B, R, ..].
  const perPoint = ctx.op('Mul', [ctx.op('Cast', [local], { to: 11 }), ctx.scalar(0)]);
  const pos3 = ctx.op('Add', [ctx.op('Reshape', [pos, ctx.ints([0, R, nOut])]), perPoint]);
  const shape3 = ctx.op('Shape', [pos3]);
  const where = ctx.op('Expand', [local, shape3]);
  const zeros = ctx.op('ConstantOfShape', [ctx.op('Concat', [ctx.op('Slice', [shape3, ctx.ints([0]), ctx.ints([2])]), ctx.ints([nIn])], { axis: 0 })], { value: { tensor: tensorFromNumbers('float64', [1], [0]) } });
  const scattered = ctx.op('ScatterElements', [zeros, where, pos3], { axis: 2, reduction: 'add' });
  const t = ctx.op('Mul', [neg, ctx.op('Unsqueeze', [uMax, ctx.ints([1])])]);
  const t3 = ctx.op('Reshape', [t, ctx.ints([0, R, nOut])]);
  return {
    input: ctx.op('Reshape', [scattered, ctx.ints([0, R, ...inShape])]),
    offset: ctx.op('ReduceSum', [t3, ctx.ints([2])], { keepdims: 0 }),
    magnitude: ctx.op('ReduceSum', [ctx.op('Abs', [t3]), ctx.ints([2])], { keepdims: 0 }),
  };
}
