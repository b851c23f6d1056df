import { AttrInput } from '../types';
import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';
import { gradientOf, smallModel } from '../testing/small-model';

// ORT's CPU provider has no float64 AveragePool kernel, so the check runs in float32 (h = 1e-2);
// measured max error 3.2e-3.
const BOUND = 1e-2;

const CASES: [string, number[], Record<string, AttrInput>][] = [
  ['non-overlapping 2-D windows', [2, 2, 4, 4], { kernel_shape: [2, 2], strides: [2, 2] }],
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
