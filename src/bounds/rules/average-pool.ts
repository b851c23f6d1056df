/**
 * AveragePool: each output is a mean of a window, a linear map with non-negative weights, so
 * [avgpool(lo), avgpool(hi)] is exact. The sum of k = Π kernel_shape terms and the division are
 * widened outward with magnitude avgpool(max(|lo|, |hi|)) (../float-error.ts).
 * CROWN (2-D, no ceil mode): each output spreads A/count over its window (count = the
 * window's size with count_include_pad, else its in-bounds size), gathered per input element.
 */
import { attrInts, numel } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { applyToBoth, magnitude } from './common';
import { attrInt } from '../../onnx/ir';
import { gatherAdjoint } from './crown-common';
import { forEachTap, window2d } from './conv-adjoint';

export const averagePool: BoundRule = {
  opType: 'AveragePool',
  ibp: (ctx) => {
    const x = ctx.interval(0);
    const y = applyToBoth(ctx);
    const k = numel(attrInts(ctx.node, 'kernel_shape', [1]));
    return [ctx.outward(y.lo, y.hi, ctx.apply([magnitude(ctx, x)]), k + 1)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      const g = window2d(ctx, attrInts(ctx.node, 'kernel_shape', [1]));
      const [c] = ctx.inShape(0);
      const P = g.outH * g.outW;
      const inside = new Array(P).fill(0);
      forEachTap(g, (p) => inside[p]++);
      const full = g.kernel[0] * g.kernel[1];
      const count = attrInt(ctx.node, 'count_include_pad', 0) ? inside.map(() => full) : inside;
      const scaled = ctx.op('Mul', [ctx.op('Reshape', [A, ctx.ints([-1, c, P])]), ctx.float64([P], count.map((k) => 1 / k))]);
      const sources: number[][] = Array.from({ length: c * g.inH * g.inW }, () => []);
      forEachTap(g, (p, _ki, _kj, h, x) => {
        for (let ch = 0; ch < c; ch++) sources[(ch * g.inH + h) * g.inW + x].push(ch * P + p);
      });
      return [gatherAdjoint(ctx, ctx.op('Reshape', [scaled, ctx.ints([0, c * P])]), c * P, sources, ctx.inShape(0))];
    },
  },
};
