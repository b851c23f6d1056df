/**
 * Conv (input gradient only; weights and bias are parameters):
 *   y[j] = Σ_{a} W[a]·x[j·s − pb + a·d]   (per spatial axis; channels and groups summed as usual)
 *   dx[i] = Σ_{j,a: j·s − pb + a·d = i} W[a]·dy[j] = conv_transpose(dy, W; s, d, p, group, output_padding)
 * With stride 1 the same sum is a plain correlation with the flipped, channel-transposed kernel:
 *   dx = conv(dy, W̃; d, pads (k−1)·d − p), W̃[g·Ig + i, o, a] = W[g·Og + o, i, k−1−a]
 * which ORT runs on its fast NCHWc kernels (ConvTranspose has none); useConvPath says when it pays.
 * auto_pad SAME_UPPER/SAME_LOWER/VALID are resolved to explicit pads from the probe shapes.
 */
import { TensorValue, attrInt, attrInts, attrString } from '../../onnx/ir';
import { GradientRule, RuleContext } from '../types';

/** Explicit [begin..., end...] pads of a Conv-like node, resolving auto_pad from static shapes. */
export function resolvePads(g: RuleContext, inSpatial: number[], outSpatial: number[], kernel: number[], strides: number[], dilations: number[]): number[] {
  const n = inSpatial.length;
  const autoPad = attrString(g.node, 'auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') return attrInts(g.node, 'pads', Array(2 * n).fill(0));
  if (autoPad === 'VALID') return Array(2 * n).fill(0);
  const begin: number[] = [], end: number[] = [];
  for (let i = 0; i < n; i++) {
    const total = Math.max(0, (outSpatial[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inSpatial[i]);
    const small = Math.floor(total / 2);
    if (autoPad === 'SAME_UPPER') { begin.push(small); end.push(total - small); } else { begin.push(total - small); end.push(small); }
  }
  return [...begin, ...end];
}

/** Geometry of one Conv node, with auto_pad resolved. */
export interface ConvGeometry {
  /** x's channel count and the group count. */
  channels: number; group: number;
  kernel: number[]; strides: number[]; dilations: number[]; pads: number[];
}

/**
 * Whether dx is computed as a Conv of dy rather than as ConvTranspose. ORT runs Conv on NCHWc
 * kernels that use every thread, ConvTranspose as a per-image GEMM + col2im that barely uses a
 * second one. Measured at batch 128 on an idle 2-core machine (bench/grad_ops.ts, docs/performance.md),
 * Conv over ConvTranspose: 3×3 kernels 2.2–4.0× at ≥ 8 channels of x with 2 threads (1.1–2.0× with
 * 1), grouped/depthwise 3.5–5.6× (2.1–3.5×), 1×1 kernels 1.1–1.6× (0.8–1.0× with 1 thread). Below
 * 8 channels the Conv's output channels (x's) are padded to a block of 16: 0.5× at 1 channel with
 * 2 threads, 0.25–0.6× at 1–4 channels with 1. Stride > 1 would need a zero-dilated dy with s^n
 * times the positions: 0.25–0.4×, so strided convs keep ConvTranspose.
 */
export function useConvPath(c: ConvGeometry): boolean {
  const n = c.kernel.length;
  for (let i = 0; i < n; i++) {
    const span = (c.kernel[i] - 1) * c.dilations[i];
    // The Conv's pads are span − p; a forward pad wider than the kernel span would make them negative.
    if (c.strides[i] !== 1 || c.pads[i] > span || c.pads[n + i] > span) return false;
  }
  return c.group > 1 || c.channels >= 8;
}

/** W̃[g·Ig + i, o, a…] = W[g·Og + o, i, k−1−a…] as a new constant (float32/float64 W). */
function flippedTransposedConstant(w: TensorValue, group: number): TensorValue {
  const [outCh, ig, ...kernel] = w.dims;
  const og = outCh / group;
  const spatial = kernel.reduce((a, b) => a * b, 1);
  const src = w.data as Float32Array | Float64Array;
  const out = new (src.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(src.length);
  for (let gi = 0; gi < group; gi++) {
    for (let o = 0; o < og; o++) {
      for (let i = 0; i < ig; i++) {
        const from = ((gi * og + o) * ig + i) * spatial;
        const to = ((gi * ig + i) * og + o) * spatial;
        // Reversing the row-major spatial block reverses every spatial axis at once.
        for (let a = 0; a < spatial; a++) out[to + spatial - 1 - a] = src[from + a];
      }
    }
  }
  return { dtype: w.dtype, dims: [group * ig, og, ...kernel], data: out };
}

/** The same W̃ from ops, for a weight that is not a known constant (ORT folds these for initializers). */
function flippedTransposedOps(g: RuleContext, w: string, dims: number[], group: number): string {
  const [outCh, ig, ...kernel] = dims;
  const og = outCh / group;
  const perm = [0, 2, 1, ...kernel.map((_, i) => 3 + i)];
  const grouped = g.op('Reshape', [w, g.ints([group, og, ig, ...kernel])]);
  const swapped = g.op('Reshape', [g.op('Transpose', [grouped], { perm }), g.ints([group * ig, og, ...kernel])]);
  const axes = kernel.map((_, i) => 2 + i);
  // Step −1 from the last element; an end of −(k+1) clamps to "before index 0".
  return g.op('Slice', [swapped, g.ints(kernel.map(() => -1)), g.ints(kernel.map((k) => -(k + 1))), g.ints(axes), g.ints(kernel.map(() => -1))]);
}

function flippedTransposed(g: RuleContext, w: string, group: number): string {
  const t = g.constant(w);
  if (t && (t.dtype === 'float32' || t.dtype === 'float64')) {
    const f = flippedTransposedConstant(t, group);
    return g.floats(Array.from(f.data as Float32Array), f.dims, f.dtype);
  }
  return flippedTransposedOps(g, w, g.shape(w), group);
}

/** Static geometry shared by the Conv and ConvTranspose rules (probe shapes, strides, dilations). */
export function convGeometry(g: RuleContext) {
  const [x, w, y] = [g.input(0), g.input(1), g.output(0)];
  const xs = g.shape(x), ws = g.shape(w), ys = g.shape(y);
  const n = xs.length - 2;
  return {
    x, w, y, xs, ws, ys, n,
    kernel: ws.slice(2),
    strides: attrInts(g.node, 'strides', Array(n).fill(1)),
    dilations: attrInts(g.node, 'dilations', Array(n).fill(1)),
  };
}

export const conv: GradientRule = {
  opType: 'Conv',
  differentiable: [0],
  build: (g) => {
    const { w, xs, ys, n, kernel, strides, dilations } = convGeometry(g);
    const pads = resolvePads(g, xs.slice(2), ys.slice(2), kernel, strides, dilations);
    const group = attrInt(g.node, 'group', 1);
    const dy = g.gradOutput(0)!;
    if (useConvPath({ channels: xs[1], group, kernel, strides, dilations, pads })) {
      const convPads = pads.map((p, i) => (kernel[i % n] - 1) * dilations[i % n] - p);
      return [g.op('Conv', [dy, flippedTransposed(g, w, group)], { kernel_shape: kernel, dilations, pads: convPads, group })];
    }
    const outputPadding = xs.slice(2).map((size, i) =>
      size - (strides[i] * (ys[2 + i] - 1) + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[n + i]));
    const dx = g.op('ConvTranspose', [dy, w], {
      strides, dilations, pads, group, output_padding: outputPadding, kernel_shape: kernel,
    });
    return [dx];
  },
};
