/**
 * Conv → [Relu] → MaxPool, backward in one piece (a shortcut of shortcuts.ts), for the convs whose dx
 * would otherwise be a ConvTranspose over the full-resolution unpooled gradient (few input channels,
 * e.g. the first conv on a grey or RGB image). Sub-pixel convolution (Shi et al. 2016,
 * https://arxiv.org/abs/1609.05158) applied to the backward pass:
 *
 * With pooling windows tiling the conv output (kernel k = stride, no pads) the unpooled gradient g is
 * zero except at one element per window: g[k·I + r] = h[r, I] with h[r] = dp·[argmax(I) = r] (r: the
 * row-major position in the window). Per spatial axis the conv's dx[t] = Σ_a W[a]·g[t − a·d + pb], so
 *   dx[t] = Σ_{I, r, a: t = k·I + r + a·d − pb} W[a]·h[r, I]
 *         = ConvTranspose(h, W″; stride k, pads (pb, pe)),  W″[(c, r), ·, r + a·d] = W[c, ·, a]
 * with h laid out as channels (c, r), built from the window argmax as a one-hot times dp: no
 * MaxUnpool and no flat-index arithmetic, and the ConvTranspose runs over the pooled grid, never
 * over the k-times larger unpooled tensor. Same sums as ConvTranspose(unpool(dp), W), other
 * float32 summation order. An inference BatchNormalization between Conv and Relu scales channel c's
 * gradient by γ_c/√(var_c + ε): that factor is folded into W″ (computed in float64, then rounded).
 */
import { TensorValue, attrFloat, attrInt, attrInts } from '../onnx/ir';
import { RuleContext } from './types';
import { resolvePads, useConvPath } from './rules/conv';
import { poolGeometry, windowArgMax, windowsTile } from './rules/max-pool';

/** Per-channel factor γ/√(var + ε) of an inference BatchNormalization with constant parameters, or undefined. */
function batchNormFactor(bn: RuleContext, channels: number): number[] | undefined {
  if (attrInt(bn.node, 'training_mode', 0) !== 0 || bn.node.outputs.filter(Boolean).length > 1) return undefined;
  const [scale, variance] = [bn.constant(bn.input(1)), bn.constant(bn.input(4))];
  const values = (t?: TensorValue) => (t && t.data.length === channels ? Array.from(t.data as ArrayLike<number>, Number) : undefined);
  const [gamma, v] = [values(scale), values(variance)];
  if (!gamma || !v) return undefined;
  const eps = attrFloat(bn.node, 'epsilon', 1e-5);
  return gamma.map((g, c) => g / Math.sqrt(v[c] + eps));
}

/**
 * d loss/d (the conv's input) through Conv → [BatchNormalization] → [Relu] → MaxPool, or undefined when
 * this form does not apply (then each node takes its own rule). `pool` sees the pooled gradient (already
 * Relu-masked by the caller when a Relu sits between); `conv` and `batchNorm` are contexts on those nodes.
 */
export function convPoolGradient(pool: RuleContext, conv: RuleContext, batchNorm?: RuleContext): string | undefined {
  const geo = poolGeometry(pool);
  const w = conv.constant(conv.input(1));
  const xs = conv.shape(conv.input(0)), ys = conv.shape(conv.output(0));
  const n = xs.length - 2;
  if (!w || w.dtype !== 'float32' || pool.dtype(pool.input(0)) !== 'float32' || n < 1 || n > 3) return undefined;
  if (!windowsTile(geo) || attrInt(pool.node, 'storage_order', 0) !== 0) return undefined;
  const kernel = w.dims.slice(2);
  const strides = attrInts(conv.node, 'strides', Array(n).fill(1));
  const dilations = attrInts(conv.node, 'dilations', Array(n).fill(1));
  const group = attrInt(conv.node, 'group', 1);
  const pads = resolvePads(conv, xs.slice(2), ys.slice(2), kernel, strides, dilations);
  if (group !== 1 || strides.some((s) => s !== 1)) return undefined;
  // Only where the Conv rule would fall back to ConvTranspose: its Conv form is faster otherwise.
  if (useConvPath({ channels: xs[1], group, kernel, strides, dilations, pads })) return undefined;

  const k = geo.kernel, out = geo.ys.slice(2);
  const span = kernel.map((kw, i) => (k[i] - 1) + (kw - 1) * dilations[i] + 1);
  // ConvTranspose output length (o − 1)·k + span − pb − pe must be x's.
  // (With windows tiling the conv output this is the conv's own end pad, so never negative.)
  const padEnd = out.map((o, i) => (o - 1) * k[i] + span[i] - pads[i] - xs[2 + i]);
  if (padEnd.some((p) => p < 0)) return undefined;

  const [c, cx] = [w.dims[0], w.dims[1]];
  const factor = batchNorm ? batchNormFactor(batchNorm, c) : Array<number>(c).fill(1);
  if (!factor) return undefined;
  const window = k.reduce((a, b) => a * b, 1);
  const kernelSize = kernel.reduce((a, b) => a * b, 1);
  const spanSize = span.reduce((a, b) => a * b, 1);
  const weights = new Float32Array(c * window * cx * spanSize);
  const src = w.data as Float32Array;
  const digits = (v: number, radix: number[]) => radix.map((_, i) => Math.floor(v / radix.slice(i + 1).reduce((a, b) => a * b, 1)) % radix[i]);
  for (let r = 0; r < window; r++) {
    const rr = digits(r, k);
    for (let a = 0; a < kernelSize; a++) {
      const aa = digits(a, kernel);
      // Flat position of r + a·d inside the span box.
      let u = 0;
      for (let i = 0; i < n; i++) u = u * span[i] + rr[i] + aa[i] * dilations[i];
      for (let ch = 0; ch < c; ch++) {
        for (let ci = 0; ci < cx; ci++) weights[(((ch * window + r) * cx) + ci) * spanSize + u] = src[(ch * cx + ci) * kernelSize + a] * factor[ch];
      }
    }
  }

  // h[n, c·window + r, o…] = dp[n, c, o…]·[argmax(n, c, o…) = r]: a broadcast one-hot (Equal, Cast, Mul), ~20% faster
  // than MaxUnpool into the same layout with its index arithmetic (docs/performance.md).
  const argmax = pool.op('Unsqueeze', [windowArgMax(pool, k), pool.ints([2])]);
  const positions = Array.from({ length: window }, (_, r) => r);
  const iota = pool.op('Reshape', [pool.ints(positions), pool.ints([window, ...out.map(() => 1)])]); // [window, 1, …]
  const hot = pool.op('Cast', [pool.op('Equal', [argmax, iota])], { to: 1 }); // float32
  const spread = pool.op('Mul', [hot, pool.op('Unsqueeze', [pool.gradOutput(0)!, pool.ints([2])])]);
  const h = pool.op('Reshape', [spread, pool.ints([0, c * window, ...out])]);
  const weight = pool.floats(Array.from(weights), [c * window, cx, ...span], 'float32');
  return pool.op('ConvTranspose', [h, weight], { strides: k, kernel_shape: span, pads: [...pads.slice(0, n), ...padEnd] });
}
