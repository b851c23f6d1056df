import { AttrInput } from '../types';
import { expectGraphGradientsMatch } from '../testing/graph-check';
import { expectGradientsMatch } from '../testing/gradcheck';

// ORT's CPU provider has no float64 Conv/ConvTranspose kernel, so the check runs in float32
// (h = 1e-2); the measured max error over these cases is 3.8e-3.
const BOUND = 1e-2;

interface Case { x: number[]; w: number[]; attrs: Record<string, AttrInput> }
const CASES: [string, Case][] = [
  ['plain 2-D', { x: [1, 2, 5, 5], w: [3, 2, 3, 3], attrs: {} }],
  ['stride 2 and symmetric pads', { x: [1, 2, 6, 5], w: [2, 2, 3, 3], attrs: { strides: [2, 2], pads: [1, 1, 1, 1] } }],
  ['asymmetric pads and unequal strides', { x: [1, 1, 7, 6], w: [2, 1, 3, 2], attrs: { strides: [2, 3], pads: [0, 2, 1, 1] } }],
  ['dilations', { x: [1, 2, 7, 7], w: [2, 2, 3, 2], attrs: { dilations: [2, 3], pads: [1, 0, 2, 1] } }],
  ['groups', { x: [1, 4, 5, 5], w: [6, 2, 3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] } }],
  ['depthwise with stride', { x: [1, 3, 6, 6], w: [3, 1, 3, 3], attrs: { group: 3, strides: [2, 2], pads: [1, 1, 0, 0] } }],
  ['auto_pad SAME_UPPER with stride', { x: [1, 2, 6, 5], w: [2, 2, 4, 3], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } }],
  ['auto_pad SAME_LOWER with stride', { x: [1, 2, 6, 5], w: [2, 2, 4, 3], attrs: { auto_pad: 'SAME_LOWER', strides: [2, 2] } }],
  ['auto_pad SAME_UPPER, stride 1, even kernel', { x: [1, 2, 5, 5], w: [2, 2, 2, 4], attrs: { auto_pad: 'SAME_UPPER' } }],
  ['auto_pad SAME_LOWER, stride 1, even kernel', { x: [1, 2, 5, 5], w: [2, 2, 2, 4], attrs: { auto_pad: 'SAME_LOWER' } }],
  ['auto_pad VALID with stride that skips the tail', { x: [1, 2, 7, 6], w: [2, 2, 3, 3], attrs: { auto_pad: 'VALID', strides: [3, 2] } }],
  ['1-D', { x: [2, 3, 9], w: [4, 3, 3], attrs: { strides: [2], pads: [2, 1], dilations: [2] } }],
  ['1-D with groups and SAME_UPPER', { x: [1, 4, 8], w: [2, 2, 3], attrs: { group: 2, auto_pad: 'SAME_UPPER', strides: [3] } }],
  ['batch of 2', { x: [2, 2, 4, 4], w: [2, 2, 2, 2], attrs: { strides: [2, 1] } }],
];

describe('Conv rule', () => {
  it.each(CASES)('when the conv has %s, then dx matches central differences in float32', async (_, c) => {
    await expectGradientsMatch({ opType: 'Conv', inputs: [{ x: c.x }, { float: c.w }], attrs: c.attrs, dtype: 'float32', seed: 31 }, BOUND);
  });

  it('when a bias is present, then dx is unchanged by it and still matches', async () => {
    await expectGradientsMatch(
      { opType: 'Conv', inputs: [{ x: [1, 2, 4, 4] }, { float: [3, 2, 3, 3] }, { float: [3] }], attrs: { pads: [1, 1, 1, 1] }, dtype: 'float32', seed: 32 },
      BOUND,
    );
  });

  it('when x has a symbolic batch dim run at another size than the probe, then dx still matches', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Conv', inputs: ['data', 'w'], outputs: ['y'], attrs: { strides: [2, 1], pads: [1, 0, 0, 1], group: 2 } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['z'] },
      ],
      constants: { w: { dtype: 'float', dims: [4, 1, 3, 2], values: Array.from({ length: 24 }, (_, i) => Math.sin(i + 1)) } },
      output: 'z', xShape: [3, 2, 4, 4], batched: true, dtype: 'float32', seed: 33,
    }, BOUND);
  });
});
