/**
 * Building blocks of the CROWN rules (../crown-graph.ts). A backward pass holds rows A of shape
 * [B, R, ...per-sample shape]; an affine op y = L(x) + f(0) sends A to x as the adjoint Lᵀ(A) and
 * adds Σ A·f(0) (the builder does that from `offset`).
 */
import { TensorValue, numel, tensorToNumbers } from '../../onnx/ir';
import type { CrownContext, CrownLinearRule } from '../types';

/** A ([B, R, ...]) reshaped to [B, R, ...shape]. */
export function rowsShaped(ctx: CrownContext, A: string, shape: number[]): string {
  return ctx.op('Reshape', [A, ctx.ints([0, ctx.rows, ...shape])]);
}

/** The adjoint of an op that only reshapes input 0 (Flatten, Reshape, Squeeze, Unsqueeze, Identity). */
export const reshapeAdjoint: CrownLinearRule = {
  kind: 'linear',
  backward: (ctx, A) => {
    ctx.node.inputs.forEach((_, i) => { if (i > 0 && ctx.bounded(i)) ctx.unsupported(`input ${i} depends on the model input`); });
    return [rowsShaped(ctx, A, ctx.inShape(0))];
  },
};

/**
 * A constant operand broadcast to the per-sample output shape (numpy rules against [N, ...out]:
 * a leading batch dimension must be 1).
 */
export function broadcastConstant(ctx: CrownContext, t: TensorValue, out: number[]): Float64Array {
  const full = [1, ...out];
  const dims = [...t.dims];
  if (dims.length > full.length) ctx.unsupported(`a constant of rank ${dims.length} against a tensor of rank ${full.length}`);
  while (dims.length < full.length) dims.unshift(1);
  dims.forEach((d, i) => { if (d !== 1 && d !== full[i]) ctx.unsupported(`a constant of shape [${t.dims.join(', ')}] does not broadcast to [N, ${out.join(', ')}]`); });
  const src = tensorToNumbers(t);
  const n = numel(out);
  const res = new Float64Array(n);
  const strides = dims.map((_, i) => numel(dims.slice(i + 1)));
  const idx = new Array(out.length).fill(0);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let a = 0; a < out.length; a++) if (dims[a + 1] !== 1) s += idx[a] * strides[a + 1];
    res[k] = src[s];
    for (let a = out.length - 1; a >= 0; a--) { if (++idx[a] < out[a]) break; idx[a] = 0; }
  }
  return res;
}

/** Requires input i's per-sample shape to equal the output's (no broadcasting of a bounded operand). */
export function requireSameShape(ctx: CrownContext, i: number): void {
  const a = ctx.inShape(i), b = ctx.outShape();
  if (a.length !== b.length || a.some((d, k) => d !== b[k])) ctx.unsupported(`input ${i} [${a.join(', ')}] is broadcast to [${b.join(', ')}]`);
}

/** The constant input i as numbers, or "not certified" when it is not known at build time. */
export function constantNumbers(ctx: CrownContext, i: number, what: string): number[] {
  const t = ctx.constant(i);
  if (!t) return ctx.unsupported(`${what} is not a constant`);
  return tensorToNumbers(t);
}

/**
 * The adjoint of a map whose every input element is a sum of entries of `cols` ([B·R, total]):
 * `sources[e]` lists the column indices that input element e sums (row-major over `inShape`).
 * Emitted as a Gather of a zero-padded copy and a ReduceSum (no float64 ConvTranspose in ONNX
 * Runtime).
 */
export function gatherAdjoint(ctx: CrownContext, cols: string, total: number, sources: number[][], inShape: number[]): string {
  const width = Math.max(1, ...sources.map((s) => s.length));
  const idx: number[] = [];
  for (const s of sources) for (let k = 0; k < width; k++) idx.push(k < s.length ? s[k] : total);
  const padded = ctx.op('Pad', [cols, ctx.ints([0, 0, 0, 1])]);
  const gathered = ctx.op('Gather', [padded, ctx.ints(idx, [sources.length, width])], { axis: 1 });
  const summed = ctx.op('ReduceSum', [gathered, ctx.ints([2])], { keepdims: 0 });
  return ctx.op('Reshape', [summed, ctx.ints([-1, ctx.rows, ...inShape])]);
}
