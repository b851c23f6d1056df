/**
 * Conv with constant weights W and bias B, bounded in X: an affine map of X, bounded by the
 * centre/radius form of ./common.ts with |W| for the radius and |B| in the magnitude. Each output
 * sums (C_in / group)·k_h·k_w products plus the bias.
 * CROWN (2-D, group 1): the adjoint is the transposed convolution, emitted as rows·W then a
 * gather-and-sum over each input element's taps (./crown-common.ts gatherAdjoint); the offset is B.
 */
import { numel } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { absTensor } from '../ibp-context';
import { affineInterval, requireConstantsBesides } from './common';
import { gatherAdjoint } from './crown-common';
import { forEachTap, window2d } from './conv-adjoint';
import { attrInt, tensorToNumbers } from '../../onnx/ir';
import type { CrownContext } from '../types';

export const conv: BoundRule = {
  opType: 'Conv',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    const w = ctx.constant(1);
    if (!w) return ctx.unsupported('the weights are not a constant');
    const bias = ctx.hasInput(2) ? ctx.constant(2) : undefined;
    if (ctx.hasInput(2) && !bias) return ctx.unsupported('the bias is not a constant');
    const terms = numel(w.dims.slice(1)) + 1;
    const absW = ctx.constantOf(absTensor(w));
    const absB = bias ? ctx.constantOf(absTensor(bias)) : undefined;
    const apply = (x: string, variant: 'signed' | 'absolute' | 'absoluteWithBias') => {
      if (variant === 'signed') return ctx.apply([x, ...ctx.node.inputs.slice(1)]);
      return ctx.apply([x, absW, ...(variant === 'absoluteWithBias' && absB ? [absB] : [])]);
    };
    return [affineInterval(ctx, ctx.interval(0), apply, terms)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      const { w, g, ck } = convGeometry(ctx);
      const [co] = w.dims;
      const P = g.outH * g.outW;
      const cols = ctx.op('MatMul', [
        ctx.op('Transpose', [ctx.op('Reshape', [A, ctx.ints([-1, co, P])])], { perm: [0, 2, 1] }),
        ctx.float64([co, ck], tensorToNumbers(w)),
      ]);
      const [ci, kh, kw] = w.dims.slice(1);
      const sources: number[][] = Array.from({ length: ci * g.inH * g.inW }, () => []);
      forEachTap(g, (p, ki, kj, h, x) => {
        for (let c = 0; c < ci; c++) sources[(c * g.inH + h) * g.inW + x].push(p * ck + (c * kh + ki) * kw + kj);
      });
      return [gatherAdjoint(ctx, ctx.op('Reshape', [cols, ctx.ints([0, P * ck])]), P * ck, sources, ctx.inShape(0)), undefined, undefined];
    },
    forward: (ctx, x, absolute) => {
      // im2col as a Gather of the zero-padded flat input (no float64 Conv in ONNX Runtime), then rows·Wᵀ.
      const { w, g, ck } = convGeometry(ctx);
      const [co, ci, kh, kw] = w.dims;
      const P = g.outH * g.outW, nIn = ci * g.inH * g.inW;
      const idx = new Array<number>(P * ck).fill(nIn);
      forEachTap(g, (p, ki, kj, h, xx) => {
        for (let c = 0; c < ci; c++) idx[p * ck + (c * kh + ki) * kw + kj] = (c * g.inH + h) * g.inW + xx;
      });
      const flat = ctx.op('Pad', [ctx.op('Reshape', [x, ctx.ints([0, nIn])]), ctx.ints([0, 0, 0, 1])]);
      const patches = ctx.op('Reshape', [ctx.op('Gather', [flat, ctx.ints(idx)], { axis: 1 }), ctx.ints([0, P, ck])]);
      const v = tensorToNumbers(w);
      const wt = Array.from({ length: ck * co }, (_, i) => v[(i % co) * ck + Math.floor(i / co)]);
      const y = ctx.op('MatMul', [patches, ctx.float64([ck, co], absolute ? wt.map(Math.abs) : wt)]);
      return ctx.op('Reshape', [ctx.op('Transpose', [y], { perm: [0, 2, 1] }), ctx.ints([0, co, g.outH, g.outW])]);
    },
    offset: (ctx) => {
      const b = ctx.hasInput(2) ? ctx.constant(2) : undefined;
      if (!b) return ctx.hasInput(2) ? ctx.unsupported('the bias is not a constant') : undefined;
      const v = tensorToNumbers(b);
      const per = ctx.outShape().slice(1).reduce((p, d) => p * d, 1);
      return Float64Array.from({ length: v.length * per }, (_, i) => v[Math.floor(i / per)]);
    },
    scratch: (ctx) => {
      const { g, ck } = convGeometry(ctx);
      const taps = Math.ceil(g.kernel[0] / g.strides[0]) * Math.ceil(g.kernel[1] / g.strides[1]);
      return Math.max(g.outH * g.outW * ck, numel(ctx.inShape(0)) * taps);
    },
  },
};

function convGeometry(ctx: CrownContext) {
  if (ctx.bounded(1) || ctx.bounded(2)) return ctx.unsupported('the weights and bias must be constants');
  const w = ctx.constant(1);
  if (!w) return ctx.unsupported('the weights are not a constant');
  if (attrInt(ctx.node, 'group', 1) !== 1) return ctx.unsupported('group ≠ 1');
  const g = window2d(ctx, w.dims.slice(2));
  return { w, g, ck: numel(w.dims.slice(1)) };
}
