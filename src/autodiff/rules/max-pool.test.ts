import { AttrInput } from '../types';
import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';
import { ceGradient, gradientOf, smallModel } from '../testing/small-model';

// h = 1e-7 keeps every perturbation below the gap between a window's two largest values, so no
// window switches its argmax inside the difference (the gradient is piecewise constant in x).
const H = 1e-7;

const CASES: [string, number[], Record<string, AttrInput>][] = [
  ['non-overlapping 2-D windows', [2, 2, 4, 4], { kernel_shape: [2, 2], strides: [2, 2] }],
  ['overlapping windows (stride 1)', [1, 2, 4, 5], { kernel_shape: [3, 2] }],
  ['overlapping windows with stride 2 and pads', [1, 2, 5, 5], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['asymmetric pads', [1, 1, 5, 4], { kernel_shape: [2, 3], pads: [1, 0, 0, 2], strides: [1, 2] }],
  ['dilations', [1, 2, 6, 6], { kernel_shape: [2, 2], dilations: [2, 3], strides: [1, 2] }],
  ['ceil_mode with a truncated last window', [1, 2, 5, 6], { kernel_shape: [2, 3], strides: [2, 2], ceil_mode: 1 }],
  ['auto_pad SAME_UPPER', [1, 2, 5, 5], { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' }],
  ['auto_pad SAME_LOWER', [1, 2, 5, 5], { kernel_shape: [3, 2], strides: [2, 1], auto_pad: 'SAME_LOWER' }],
  ['auto_pad VALID', [1, 2, 5, 5], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'VALID' }],
  ['1-D', [2, 3, 7], { kernel_shape: [3], strides: [2], pads: [1, 1] }],
  ['3-D', [1, 2, 3, 4, 4], { kernel_shape: [2, 2, 2], strides: [1, 2, 2], pads: [0, 1, 0, 1, 0, 1] }],
];

describe('MaxPool rule', () => {
  it.each(CASES)('when pooling with %s, then dx (routed to each argmax) matches in float64', async (_, xs, attrs) => {
    await expectGradientsMatch({ opType: 'MaxPool', inputs: [{ x: xs }], attrs, h: H, seed: 101 });
  });

  it('when the node emits Indices itself (row-major or column-major), then dx still matches', async () => {
    const attrs = { kernel_shape: [3, 2], strides: [1, 2] };
    await expectGradientsMatch({ opType: 'MaxPool', inputs: [{ x: [2, 2, 4, 4] }], attrs, outputs: 2, h: H, seed: 102 });
    await expectGradientsMatch({ opType: 'MaxPool', inputs: [{ x: [2, 2, 4, 4] }], attrs: { ...attrs, storage_order: 1 }, outputs: 2, h: H, seed: 103 });
  });

  it('when windows overlap, then an element that is the max of two windows receives both gradients (by hand)', async () => {
    // x = [0, 3, 1, 2] (kernel 2, stride 1): y = [3, 3, 2]; x₁ is the argmax of windows 0 and 1, so
    // dx = [0, dy₀ + dy₁, 0, dy₂] with dy = softmax(y) − e₀ (CE, label 0).
    const model = smallModel({ xShape: [1, 1, 4], nodes: [{ op: 'MaxPool', inputs: ['data'], attrs: { kernel_shape: [2] } }] });
    const { runs } = await gradientOf(model, [0, 3, 1, 2]);
    const dy = ceGradient([3, 3, 2]);
    [0, dy[0] + dy[1], 0, dy[2]].forEach((v, i) => expect(runs[0].grad[i]).toBeCloseTo(v, 12));
  });

  it('when x has a symbolic batch dim run at another size than the probe, then dx still matches', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'MaxPool', inputs: ['data'], outputs: ['p'], attrs: { kernel_shape: [2, 2], pads: [1, 1, 0, 0] } },
        { opType: 'Flatten', inputs: ['p'], outputs: ['z'] },
      ],
      output: 'z', xShape: [3, 2, 3, 3], batched: true, h: H, seed: 105,
    });
  });
});
