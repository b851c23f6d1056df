/**
 * AveragePool: y[o] = Σ_{i ∈ window(o) ∩ x} x[i] / D[o], D = window size (count_include_pad = 1, clipped
 * by ORT for ceil_mode windows) or the in-input count c[o] (= 0).  dx[i] = Σ_{o: i ∈ window(o)} dy[o] / D[o].
 * 1/D is read off ORT itself, AveragePool(ones) = c/D, so every divisor convention is matched. The
 * scatter Σ_{o ∋ i} is separable: per spatial axis a 0/1 window matrix [out, in], applied by MatMul.
 * Windows that tile x (kernel = stride, no pads, no dilation, sizes divisible: every D = Πk) take
 * dx = upsample_nearest(dy / Πk): ORT's integer-scale nearest Resize is 5–8× faster than the MatMuls
 * (docs/performance.md). ORT's Resize has no float64 kernel, so float64 graphs keep the MatMul form.
 */
import { attrInts } from '../../onnx/ir';
import { GradientRule } from '../types';
import { resolvePads } from './conv';
import { copyAttrs } from './pool-common';

export const averagePool: GradientRule = {
  opType: 'AveragePool',
  differentiable: [0],
  build: (g) => {
    const [x, y] = [g.input(0), g.output(0)];
    const inSizes = g.shape(x).slice(2), outSizes = g.shape(y).slice(2);
    const n = inSizes.length;
    const kernel = attrInts(g.node, 'kernel_shape', []);
    const strides = attrInts(g.node, 'strides', Array(n).fill(1));
    const dilations = attrInts(g.node, 'dilations', Array(n).fill(1));
    const pads = resolvePads(g, inSizes, outSizes, kernel, strides, dilations);
    const tiles = kernel.every((k, d) => strides[d] === k && dilations[d] === 1 && outSizes[d] * k === inSizes[d]) && pads.every((p) => p === 0);
    if (tiles && g.dtype(x) === 'float32') {
      const scaled = g.op('Mul', [g.gradOutput(0)!, g.scalar(1 / kernel.reduce((p, q) => p * q, 1))]);
      const scales = g.floats([1, 1, ...kernel], [n + 2], 'float32');
      return [g.op('Resize', [scaled, '', scales], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' })];
    }
    // Per axis: window membership (row o = which inputs window o covers) and its in-input count.
    const windows = inSizes.map((inSize, d) => {
      const m = Array.from({ length: outSizes[d] }, () => new Array<number>(inSize).fill(0));
      m.forEach((row, o) => {
        for (let k = 0; k < kernel[d]; k++) {
          const i = o * strides[d] - pads[d] + k * dilations[d];
          if (i >= 0 && i < inSize) row[i] = 1;
        }
      });
      return m;
    });
    // c[o] = Π_d count_d(o_d), flattened row-major over the output's spatial shape.
    let count = [1];
    for (const m of windows) {
      const counts = m.map((row) => row.reduce((p, q) => p + q, 0));
      count = count.flatMap((c) => counts.map((k) => c * k));
    }
    const ones = g.floats(new Array(inSizes.reduce((p, q) => p * q, 1)).fill(1), [1, 1, ...inSizes]);
    const ratio = g.op('AveragePool', [ones], copyAttrs(g, ['auto_pad', 'ceil_mode', 'count_include_pad', 'dilations', 'kernel_shape', 'pads', 'strides']));
    const invD = g.op('Div', [ratio, g.floats(count.map((c) => Math.max(c, 1)), [1, 1, ...outSizes])]);
    // Scatter back one axis at a time, last first: t is [N·C·O₁…O_{d−1}, O_d, I_{d+1}…I_n] → [·, I_d, ·].
    let t = g.op('Mul', [g.gradOutput(0)!, invD]);
    for (let d = n - 1; d >= 0; d--) {
      const suffix = inSizes.slice(d + 1).reduce((p, q) => p * q, 1);
      const mT = windows[d][0].map((_, i) => windows[d].map((row) => row[i]));
      t = g.op('MatMul', [g.floats(mT.flat(), [inSizes[d], outSizes[d]]), g.op('Reshape', [t, g.ints([-1, outSizes[d], suffix])])]);
    }
    return [g.op('Reshape', [t, g.shapeOf(x)])];
  },
};
