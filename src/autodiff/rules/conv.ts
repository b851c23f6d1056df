/**
 * Conv (input gradient only; weights and bias are parameters):
 *   y = conv(x, W; strides s, dilations d, pads p, group)
 *   dx = conv_transpose(dy, W; s, d, p, group, output_padding) — output_padding restores
 *   the rows/columns that the forward stride skipped, so dx has exactly x's shape.
 * auto_pad SAME_UPPER/SAME_LOWER/VALID are resolved to explicit pads from the probe shapes.
 */
import { attrInt, attrInts, attrString } from '../../onnx/ir';
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

export const conv: GradientRule = {
  opType: 'Conv',
  differentiable: [0],
  build: (g) => {
    const [x, w, y] = [g.input(0), g.input(1), g.output(0)];
    const xs = g.shape(x), ws = g.shape(w), ys = g.shape(y);
    const n = xs.length - 2;
    const kernel = ws.slice(2);
    const strides = attrInts(g.node, 'strides', Array(n).fill(1));
    const dilations = attrInts(g.node, 'dilations', Array(n).fill(1));
    const pads = resolvePads(g, xs.slice(2), ys.slice(2), kernel, strides, dilations);
    const outputPadding = xs.slice(2).map((size, i) =>
      size - (strides[i] * (ys[2 + i] - 1) + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[n + i]));
    const dx = g.op('ConvTranspose', [g.gradOutput(0)!, w], {
      strides, dilations, pads, group: attrInt(g.node, 'group', 1), output_padding: outputPadding, kernel_shape: kernel,
    });
    return [dx];
  },
};
