/**
 * MaxPool: y[o] = x[argmax over window(o)]; dx = scatter-add of dy[o] onto argmax(o).
 * Ties go to the FIRST maximum in row-major window order, as in ORT's Indices and PyTorch.
 *
 * The argmax is MaxPool's own Indices output (flat over the whole N·C·D… input, row-major with
 * storage_order = 0), recomputed here when the forward node does not emit it; overlapping windows
 * sharing an argmax accumulate (ScatterElements reduction = 'add'). Requesting Indices makes ORT
 * leave its NCHWc MaxPool kernel for a generic one (~5× slower), and ScatterElements is slow too,
 * so float32 windows that do not overlap (span ≤ stride on every axis) take faster paths where
 * each x element receives at most one dy and MaxUnpool's plain assignment equals the scatter-add:
 *
 *  - windows that tile x (kernel = stride on every axis, no pads, no dilation, sizes divisible),
 *    e.g. the common 2×2 pool: a Reshape + Transpose lays each window out on a last axis in row-major
 *    window order, ArgMax (first index on ties) picks a = p·k₂ + q, which becomes the flat index of
 *    x[n, c, i·k₁ + p, j·k₂ + q], and MaxUnpool writes dy there. No Indices kernel at all: 1.35–1.6×
 *    faster than Indices + ScatterElements for the fixtures' 2×2 pools (bench/grad_ops.ts);
 *  - other non-overlapping windows: MaxUnpool(dy, Indices) instead of the ScatterElements chain.
 *
 * ORT's MaxUnpool has only a float32 kernel, so float64 graphs keep the general path.
 */
import { attrInt, attrInts } from '../../onnx/ir';
import { GradientRule, RuleContext } from '../types';
import { copyAttrs } from './pool-common';
import { resolvePads } from './conv';

/** The pooling geometry of a MaxPool node, with auto_pad resolved to explicit pads. */
export function poolGeometry(g: RuleContext) {
  const xs = g.shape(g.input(0)), ys = g.shape(g.output(0));
  const kernel = attrInts(g.node, 'kernel_shape', []);
  const strides = attrInts(g.node, 'strides', kernel.map(() => 1));
  const dilations = attrInts(g.node, 'dilations', kernel.map(() => 1));
  const pads = resolvePads(g, xs.slice(2), ys.slice(2), kernel, strides, dilations);
  return { xs, ys, kernel, strides, dilations, pads };
}

/** Whether the windows tile x: kernel = stride on every axis, no pads, no dilation, sizes divisible. */
export function windowsTile(geo: ReturnType<typeof poolGeometry>): boolean {
  const { xs, kernel, strides, dilations, pads } = geo;
  // auto_pad SAME_* on divisible sizes resolves to zero pads, like VALID; ceil_mode changes nothing then.
  return kernel.every((k, i) => strides[i] === k && dilations[i] === 1 && xs[2 + i] % k === 0) && pads.every((p) => p === 0);
}

/**
 * For windows tiling input 0 (kernel = stride, no pads): each window's first maximum as its row-major
 * position a = Σ pᵢ·Kᵢ inside the window (Kᵢ = kᵢ₊₁·…·kₙ), shaped [N, C, o₁, o₂, …] (int64).
 */
export function windowArgMax(g: RuleContext, kernel: number[]): string {
  const x = g.input(0);
  const [, c, ...size] = g.shape(x);
  const out = size.map((v, i) => v / kernel[i]);
  const window = kernel.reduce((a, b) => a * b, 1);
  // [N, C, o₁, k₁, o₂, k₂, …] → [N, C, o₁, o₂, …, k₁, k₂, …]: each window's elements in row-major order on the last axis.
  const split = g.op('Reshape', [x, g.ints([0, c, ...out.flatMap((o, i) => [o, kernel[i]])])]);
  const perm = [0, 1, ...out.map((_, i) => 2 + 2 * i), ...out.map((_, i) => 3 + 2 * i)];
  const moved = kernel.length === 1 ? split : g.op('Transpose', [split], { perm });
  const windows = g.op('Reshape', [moved, g.ints([0, c, ...out, window])]);
  return g.op('ArgMax', [windows], { axis: -1, keepdims: 0, select_last_index: 0 });
}

/** A 0-D int64 constant. */
export function int64Scalar(g: RuleContext, v: number): string {
  return g.op('Reshape', [g.ints([v]), g.ints([])]);
}

/**
 * Per-sample start offsets n·sample as [N, 1, …, 1] (rank `rank`) for a flat index over a whole
 * batch, N read from value `like` at run time (the batch is symbolic).
 */
export function batchStarts(g: RuleContext, like: string, sample: number, rank: number): string {
  const batch = g.op('Squeeze', [g.op('Slice', [g.shapeOf(like), g.ints([0]), g.ints([1])])]);
  const step = int64Scalar(g, sample);
  const range = g.op('Range', [int64Scalar(g, 0), g.op('Mul', [batch, step]), step]);
  return g.op('Reshape', [range, g.ints([-1, ...Array(rank - 1).fill(1)])]);
}

/** For windows tiling x: the flat index of each window's first maximum, like MaxPool's Indices. */
function tiledIndices(g: RuleContext, kernel: number[]): string {
  const x = g.input(0);
  const [, c, ...size] = g.shape(x);
  const n = kernel.length;
  const out = size.map((v, i) => v / kernel[i]);
  const a = windowArgMax(g, kernel); // [N, C, o₁, o₂, …]
  const scalar = (v: number) => int64Scalar(g, v);
  // a = Σ pᵢ·Kᵢ with Kᵢ = kᵢ₊₁·…·kₙ (the window's row-major strides); the element's offset from the window's
  // corner in x is Σ pᵢ·Sᵢ (Sᵢ: x's spatial strides), i.e. a + Σ_{i<n} pᵢ·(Sᵢ − Kᵢ).
  let offset = a;
  for (let i = 0; i < n - 1; i++) {
    const inner = kernel.slice(i + 1).reduce((u, v) => u * v, 1);
    const stride = size.slice(i + 1).reduce((u, v) => u * v, 1);
    // pᵢ = ⌊a / Kᵢ⌋ mod kᵢ; a comparison when it can only be 0 or 1 (ORT's int64 Div is slow).
    const q = i === 0 && kernel[0] === 2
      ? g.op('Cast', [g.op('GreaterOrEqual', [a, scalar(inner)])], { to: 7 })
      : g.op('Div', [a, scalar(inner)]);
    const digit = i === 0 ? q : g.op('Mod', [q, scalar(kernel[i])]);
    offset = g.op('Add', [offset, g.op('Mul', [digit, scalar(stride - inner)])]);
  }
  // Flat index of each window's corner: n·C·D + ch·D + Σ jᵢ·kᵢ·Sᵢ (D = ∏ size).
  const volume = size.reduce((u, v) => u * v, 1);
  const corner: number[] = [];
  const count = c * out.reduce((u, v) => u * v, 1);
  for (let f = 0; f < count; f++) {
    let rest = f, at = 0, stride = 1;
    for (let i = n - 1; i >= 0; i--) { at += (rest % out[i]) * kernel[i] * stride; rest = Math.floor(rest / out[i]); stride *= size[i]; }
    corner.push(rest * volume + at);
  }
  const corners = g.op('Reshape', [g.ints(corner), g.ints([c, ...out])]);
  const starts = batchStarts(g, x, c * volume, n + 2);
  return g.op('Add', [offset, g.op('Add', [starts, corners])]);
}

/**
 * MaxUnpool(dy, Indices) with x's runtime shape as output_shape. With output_shape given, ORT uses
 * the attributes only to check that output_shape is at least (out − 1)·stride − pads + kernel
 * positions in total; kernel 1 and stride 1 reduce that to out ≤ x (checked by the caller), which
 * keeps ceil_mode and padded windows (whose pads must stay below the kernel) out of the way.
 */
function unpool(g: RuleContext, indices: string, spatial: number): string {
  const ones = Array(spatial).fill(1);
  return g.op('MaxUnpool', [g.gradOutput(0)!, indices, g.shapeOf(g.input(0))], { kernel_shape: ones, strides: ones });
}

export const maxPool: GradientRule = {
  opType: 'MaxPool',
  differentiable: [0],
  build: (g) => {
    const x = g.input(0);
    const geo = poolGeometry(g);
    const disjoint = geo.kernel.every((k, i) => (k - 1) * geo.dilations[i] + 1 <= geo.strides[i] && geo.ys[2 + i] <= geo.xs[2 + i]);
    // MaxUnpool: float32 only, at most 3 spatial axes.
    const fast = disjoint && g.dtype(x) === 'float32' && geo.kernel.length <= 3;
    let indices = attrInt(g.node, 'storage_order', 0) === 0 ? g.node.outputs[1] : undefined;
    if (fast && !indices && windowsTile(geo)) indices = tiledIndices(g, geo.kernel);
    if (!indices) {
      const attrs = copyAttrs(g, ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'strides']);
      indices = g.opN('MaxPool', [x], 2, attrs)[1];
    }
    if (fast) return [unpool(g, indices, geo.kernel.length)];
    const flat = g.ints([-1]);
    const zeros = g.op('Mul', [g.op('Reshape', [x, flat]), g.scalar(0, g.dtype(x))]);
    const dx = g.op('ScatterElements', [zeros, g.op('Reshape', [indices, flat]), g.op('Reshape', [g.gradOutput(0)!, flat])], {
      axis: 0, reduction: 'add',
    });
    return [g.op('Reshape', [dx, g.shapeOf(x)])];
  },
};
