import type { AttrInput } from '../../onnx/graph-writer';
import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';
import { ceGradient, gradientOf, smallModel } from '../testing/small-model';
import { probeShapes } from '../../runtime/probe';
import { buildGradientModel } from '../builder';

// ORT's CPU provider has no float64 AveragePool kernel, so the check runs in float32 (h = 1e-2);
// measured max error 3.2e-3.
const BOUND = 1e-2;

const CASES: [string, number[], Record<string, AttrInput>][] = [
  ['non-overlapping 2-D windows', [2, 2, 4, 4], { kernel_shape: [2, 2], strides: [2, 2] }],
  ['2×3 windows tiling x', [2, 2, 4, 9], { kernel_shape: [2, 3], strides: [2, 3] }],
  ['1-D windows tiling x', [2, 3, 8], { kernel_shape: [2], strides: [2] }],
  ['3-D windows tiling x', [1, 2, 4, 4, 6], { kernel_shape: [2, 2, 3], strides: [2, 2, 3] }],
  ['windows tiling x, ceil_mode and auto_pad SAME_UPPER on divisible sizes', [1, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1, auto_pad: 'SAME_UPPER' }],
  ['kernel = stride on a size it does not divide', [1, 2, 5, 4], { kernel_shape: [2, 2], strides: [2, 2] }],
  ['overlapping windows (stride 1)', [1, 2, 4, 5], { kernel_shape: [3, 2] }],
  ['pads, counting them (count_include_pad = 1)', [1, 2, 5, 5], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }],
  ['pads, not counting them (count_include_pad = 0)', [1, 2, 5, 5], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['asymmetric pads, counted', [1, 1, 5, 4], { kernel_shape: [2, 3], pads: [1, 0, 0, 2], strides: [1, 2], count_include_pad: 1 }],
  ['asymmetric pads, not counted', [1, 1, 5, 4], { kernel_shape: [2, 3], pads: [1, 0, 0, 2], strides: [1, 2] }],
  ['ceil_mode with truncated last windows', [1, 2, 5, 6], { kernel_shape: [2, 3], strides: [2, 2], ceil_mode: 1 }],
  ['ceil_mode and counted pads', [1, 2, 6, 5], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }],
  ['auto_pad SAME_UPPER, counted', [1, 2, 5, 5], { kernel_shape: [2, 3], strides: [2, 2], auto_pad: 'SAME_UPPER', count_include_pad: 1 }],
  ['auto_pad SAME_LOWER, not counted', [1, 2, 5, 5], { kernel_shape: [3, 2], strides: [2, 1], auto_pad: 'SAME_LOWER' }],
  ['auto_pad VALID', [1, 2, 5, 5], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'VALID' }],
  ['1-D', [2, 3, 7], { kernel_shape: [3], strides: [2], pads: [1, 1], count_include_pad: 1 }],
  ['3-D', [1, 2, 3, 4, 4], { kernel_shape: [2, 2, 2], strides: [1, 2, 2], pads: [0, 1, 0, 1, 0, 1] }],
];

describe('AveragePool rule', () => {
  it.each(CASES)('when pooling with %s, then dx matches in float32', async (_, xs, attrs) => {
    await expectGradientsMatch({ opType: 'AveragePool', inputs: [{ x: xs }], attrs, dtype: 'float32', seed: 111 }, BOUND);
  });

  it('when float32 windows tile x, then dx is a nearest Resize of dy / Πk (by hand), and padded or overlapping windows keep the MatMul form', async () => {
    const spec = (attrs: Record<string, AttrInput>) => smallModel({
      dtype: 'float32', xShape: [1, 2, 4, 6], nodes: [{ op: 'AveragePool', inputs: ['data'], attrs }, { op: 'Flatten', inputs: ['v0'] }],
    });
    const tiling = { kernel_shape: [2, 3], strides: [2, 3] };
    const x = Array.from({ length: 48 }, (_, i) => Math.sin(i));
    // By hand: y[c, r, q] = mean of its 2×3 window; logits = flatten(y); dx[c, i, j] = dy[c, ⌊i/2⌋, ⌊j/3⌋] / 6.
    const y: number[] = [];
    for (let c = 0; c < 2; c++) for (let r = 0; r < 2; r++) for (let q = 0; q < 2; q++) {
      let sum = 0;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) sum += x[c * 24 + (2 * r + i) * 6 + 3 * q + j];
      y.push(sum / 6);
    }
    const dy = ceGradient(y);
    const want = x.map((_, k) => {
      const [c, i, j] = [Math.floor(k / 24), Math.floor((k % 24) / 6), k % 6];
      return dy[c * 4 + Math.floor(i / 2) * 2 + Math.floor(j / 3)] / 6;
    });
    const { runs } = await gradientOf(spec(tiling), x);
    want.forEach((v, k) => expect(runs[0].grad[k]).toBeCloseTo(v, 6));
    const ops = async (attrs: Record<string, AttrInput>) => {
      const m = spec(attrs);
      const shapes = await probeShapes(m, { inputShape: [1, 2, 4, 6] });
      return buildGradientModel(m, { loss: 'ce', shapes }).model.graph.nodes.map((n) => n.opType);
    };
    // (ORT has no float64 AveragePool, so float64 graphs cannot be probed; the rule keeps MatMul for them.)
    const tiled = await ops(tiling);
    expect(tiled).toContain('Resize');
    expect(tiled).not.toContain('MatMul');
    expect(await ops({ kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 1] })).not.toContain('Resize');
    expect(await ops({ kernel_shape: [2, 3], strides: [1, 3] })).not.toContain('Resize');
  });

  it('when a corner window is padded, then its share is 1/9 counted and 1/4 not counted (by hand)', async () => {
    // 3×3 kernel, pads 1, stride 2 on a 3×3 input: output 2×2, each window holds 4 real inputs and 5 pads.
    // At x = 0, y = 0 and dy = softmax(y) − e₀ = [−3/4, 1/4, 1/4, 1/4]. The corner x[0,0] lies only in
    // window 0, so dx[0,0] = −3/4 ÷ D₀ with D₀ = 9 (pads counted) or 4 (not counted).
    for (const [cip, d] of [[1, 9], [0, 4]]) {
      const model = smallModel({
        dtype: 'float32', xShape: [1, 1, 3, 3],
        nodes: [{ op: 'AveragePool', inputs: ['data'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: cip } }],
      });
      const { runs } = await gradientOf(model, new Array(9).fill(0));
      expect(runs[0].grad[0]).toBeCloseTo(-0.75 / d, 6);
      // The centre x[1,1] lies in all four windows: Σ dy / D = 0.
      expect(runs[0].grad[4]).toBeCloseTo(0, 6);
    }
  });

  it('when x has a symbolic batch dim run at another size than the probe, then dx still matches', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'AveragePool', inputs: ['data'], outputs: ['p'], attrs: { kernel_shape: [2, 2], pads: [1, 1, 0, 0] } },
        { opType: 'Flatten', inputs: ['p'], outputs: ['z'] },
      ],
      output: 'z', xShape: [3, 2, 3, 3], batched: true, dtype: 'float32', seed: 112,
    }, BOUND);
  });
});
