import type { AttrInput } from '../../onnx/graph-writer';
import { expectGraphGradientsMatch } from '../testing/graph-check';
import { expectGradientsMatch } from '../testing/gradcheck';

// ORT's CPU provider has no float64 ConvTranspose/Conv kernel, so the check runs in float32
// (h = 1e-2); the measured max error over these cases is 2.8e-3.
const BOUND = 1e-2;

interface Case { x: number[]; w: number[]; attrs: Record<string, AttrInput> }
// W is [C_in, C_out / group, k…].
const CASES: [string, Case][] = [
  ['plain 2-D', { x: [1, 2, 3, 3], w: [2, 3, 3, 3], attrs: {} }],
  ['strides and pads', { x: [1, 2, 3, 4], w: [2, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } }],
  ['asymmetric pads and unequal strides', { x: [1, 1, 3, 3], w: [1, 2, 3, 2], attrs: { strides: [3, 2], pads: [1, 0, 2, 1] } }],
  ['dilations', { x: [1, 2, 3, 3], w: [2, 1, 2, 3], attrs: { dilations: [2, 3], strides: [2, 1], pads: [1, 2, 0, 1] } }],
  ['groups', { x: [1, 4, 3, 3], w: [4, 3, 3, 3], attrs: { group: 2, strides: [2, 2] } }],
  ['output_padding', { x: [1, 2, 3, 3], w: [2, 2, 3, 3], attrs: { strides: [3, 2], output_padding: [2, 1], pads: [1, 1, 0, 0] } }],
  ['output_shape', { x: [1, 2, 3, 3], w: [2, 2, 4, 3], attrs: { strides: [2, 2], output_shape: [6, 5] } }],
  ['output_shape with SAME_UPPER', { x: [1, 2, 3, 3], w: [2, 2, 4, 3], attrs: { strides: [2, 2], output_shape: [7, 5], auto_pad: 'SAME_UPPER' } }],
  ['output_shape and output_padding', { x: [1, 1, 3], w: [1, 2, 4], attrs: { strides: [2], output_padding: [1], output_shape: [6] } }],
  ['auto_pad SAME_UPPER', { x: [1, 2, 3, 3], w: [2, 2, 3, 2], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } }],
  ['auto_pad SAME_LOWER', { x: [1, 2, 3, 3], w: [2, 2, 3, 2], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] } }],
  ['auto_pad SAME_LOWER, stride 1, even kernel', { x: [1, 2, 4, 4], w: [2, 2, 4, 2], attrs: { auto_pad: 'SAME_LOWER' } }],
  ['auto_pad SAME_UPPER whose padding would be negative', { x: [1, 1, 3], w: [1, 2, 2], attrs: { auto_pad: 'SAME_UPPER', strides: [3] } }],
  ['auto_pad VALID with output_padding', { x: [1, 2, 3, 3], w: [2, 1, 2, 2], attrs: { auto_pad: 'VALID', strides: [2, 2], output_padding: [1, 0] } }],
  ['1-D', { x: [2, 3, 4], w: [3, 2, 3], attrs: { strides: [2], pads: [2, 1], dilations: [2] } }],
  ['3-D', { x: [1, 2, 2, 3, 2], w: [2, 1, 2, 2, 3], attrs: { strides: [2, 1, 2], pads: [0, 1, 1, 1, 0, 0] } }],
];

describe('ConvTranspose rule', () => {
  it.each(CASES)('when the transposed conv has %s, then dx matches central differences in float32', async (_, c) => {
    await expectGradientsMatch({ opType: 'ConvTranspose', inputs: [{ x: c.x }, { float: c.w }], attrs: c.attrs, dtype: 'float32', seed: 41 }, BOUND);
  });

  it('when a bias is present, then dx still matches', async () => {
    await expectGradientsMatch(
      { opType: 'ConvTranspose', inputs: [{ x: [1, 2, 3, 3] }, { float: [2, 3, 2, 2] }, { float: [3] }], attrs: { strides: [2, 2] }, dtype: 'float32', seed: 42 },
      BOUND,
    );
  });

  it('when x has a symbolic batch dim run at another size than the probe, then dx still matches', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'ConvTranspose', inputs: ['data', 'w'], outputs: ['y'], attrs: { strides: [2, 2], output_padding: [1, 0] } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['z'] },
      ],
      constants: { w: { dtype: 'float', dims: [2, 1, 2, 2], values: Array.from({ length: 8 }, (_, i) => Math.sin(i + 1)) } },
      output: 'z', xShape: [3, 2, 2, 2], batched: true, dtype: 'float32', seed: 43,
    }, BOUND);
  });
});
