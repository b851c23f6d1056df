/**
 * Pad (opset 13: pads and constant_value as inputs; modes constant, reflect, edge; negative pads crop).
 * Per axis with pads (b, e), ORT first crops the negative parts, then pads the positive ones: y[i] = x'[m(i − b)],
 * m = identity inside; outside, constant → c, edge → clamp to the border, reflect → mirror about the border.
 *   constant: dx = Pad(dy, −pads) (crops what was padded, zero-fills what was cropped); dc = Σdy − Σdx.
 *   edge/reflect: dx′ = dy's interior plus, per axis, each border band of dy added back where m sent it
 *   (edge: band sum onto the border element; reflect: reversed band onto the mirrored elements); dx = zero-pad dx′ by the crops.
 */
import { UnsupportedOpError } from '../../errors';
import { attrString } from '../../onnx/ir';
import { GradientRule, RuleContext } from '../types';
import { constInts } from './common';

/** Far past any real dimension (an open slice end). */
const FAR = 2 ** 53;

/** t[start:end] along `axis` (optionally with a step). */
function cut(g: RuleContext, t: string, axis: number, start: number, end: number, step = 1): string {
  return g.op('Slice', [t, g.ints([start]), g.ints([end]), g.ints([axis]), g.ints([step])]);
}

/** Adds `band` to t[start:end] along axis (negative start/end count from the back; end 0 means through the end). */
function addInto(g: RuleContext, t: string, axis: number, start: number, end: number, band: string): string {
  const stop = end === 0 ? FAR : end;
  const mid = g.op('Add', [cut(g, t, axis, start, stop), band]);
  const parts = start === 0 ? [mid] : [cut(g, t, axis, 0, start), mid];
  if (end !== 0) parts.push(cut(g, t, axis, end, FAR));
  return g.op('Concat', parts, { axis });
}

export const pad: GradientRule = {
  opType: 'Pad',
  differentiable: [0, 2],
  build: (g) => {
    const mode = attrString(g.node, 'mode', 'constant');
    const dy = g.gradOutput(0)!;
    const rank = g.rank(g.input(0));
    if (mode === 'constant') {
      const known = g.constant(g.input(1));
      const negPads = known
        ? g.ints(Array.from(known.data as ArrayLike<number | bigint>, (v) => -Number(v)))
        : g.op('Neg', [g.op('Cast', [g.input(1)], { to: 7 })]);
      const dx = g.op('Pad', [dy, negPads]);
      const dc = g.hasInput(2)
        ? g.op('Reshape', [g.op('Sub', [g.op('ReduceSum', [dy], { keepdims: 0 }), g.op('ReduceSum', [dx], { keepdims: 0 })]), g.shapeOf(g.input(2))])
        : undefined;
      return [dx, undefined, dc];
    }
    if (mode !== 'edge' && mode !== 'reflect') {
      throw new UnsupportedOpError(`Pad '${g.node.name}': mode '${mode}' is not supported for differentiation (constant, edge, reflect are)`, { opType: 'Pad', node: g.node.name, mode });
    }
    const pads = constInts(g, 1, 'pads');
    let t = dy;
    for (let a = 0; a < rank; a++) {
      const [b, e] = [Math.max(pads[a], 0), Math.max(pads[a + rank], 0)];
      if (b === 0 && e === 0) continue;
      const core = cut(g, t, a, b, e > 0 ? -e : FAR);
      let dx = core;
      if (mode === 'edge') {
        if (b > 0) dx = addInto(g, dx, a, 0, 1, g.op('ReduceSum', [cut(g, t, a, 0, b), g.ints([a])], { keepdims: 1 }));
        if (e > 0) dx = addInto(g, dx, a, -1, 0, g.op('ReduceSum', [cut(g, t, a, -e, FAR), g.ints([a])], { keepdims: 1 }));
      } else {
        // Mirror images: y[b−1−k] = x'[1+k] and y[b+D+k] = x'[D−2−k], k = 0, 1, …
        if (b > 0) dx = addInto(g, dx, a, 1, b + 1, cut(g, t, a, b - 1, -FAR, -1));
        if (e > 0) dx = addInto(g, dx, a, -(e + 1), -1, cut(g, t, a, -1, -(e + 1), -1));
      }
      t = dx;
    }
    const crops = pads.map((p) => Math.max(-p, 0));
    return [crops.some((c) => c > 0) ? g.op('Pad', [t, g.ints(crops)]) : t, undefined, undefined];
  },
};
