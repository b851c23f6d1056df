import { probeShapes } from '../../runtime/probe';
import { buildGradientModel } from '../builder';
import type { AttrInput } from '../../onnx/graph-writer';
import { CheckSpec, checkModel, expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';
import { ceGradient, gradientOf, maxRelDiff, smallModel, uniform } from '../testing/small-model';

// h = 1e-7 keeps every perturbation below the gap between a window's two largest values, so no
// window switches its argmax inside the difference (the gradient is piecewise constant in x).
const H = 1e-7;

const CASES: [string, number[], Record<string, AttrInput>][] = [
  ['non-overlapping 2-D windows', [2, 2, 4, 4], { kernel_shape: [2, 2], strides: [2, 2] }],
  ['non-overlapping 3×3 windows', [1, 2, 6, 9], { kernel_shape: [3, 3], strides: [3, 3] }],
  ['non-overlapping windows, auto_pad SAME_UPPER on divisible sizes', [1, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' }],
  ['non-overlapping windows, ceil_mode on divisible sizes', [1, 3, 4, 4], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }],
  ['kernel = stride with pads', [1, 2, 4, 4], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ['kernel = stride on a size it does not divide', [1, 2, 5, 4], { kernel_shape: [2, 2], strides: [2, 2] }],
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

/** 0..n−1 in a seeded random order. */
function shuffled(n: number, seed: number): number[] {
  const r = uniform(n, 0, 1, seed);
  return [...Array(n).keys()].sort((a, b) => r[a] - r[b]);
}

/** Op types of the gradient graph the builder emits for a one-node spec. */
async function gradientOps(spec: CheckSpec): Promise<string[]> {
  const { model, xShape } = checkModel(spec);
  const shapes = await probeShapes(model, { inputShape: xShape });
  return buildGradientModel(model, { loss: 'ce', shapes }).model.graph.nodes.map((n) => n.opType);
}

describe('MaxPool rule', () => {
  it.each(CASES)('when pooling with %s, then dx (routed to each argmax) matches in float64', async (_, xs, attrs) => {
    await expectGradientsMatch({ opType: 'MaxPool', inputs: [{ x: xs }], attrs, h: H, seed: 101 });
  });

  it('when the node emits Indices itself (row-major or column-major), then dx still matches', async () => {
    const attrs = { kernel_shape: [3, 2], strides: [1, 2] };
    await expectGradientsMatch({ opType: 'MaxPool', inputs: [{ x: [2, 2, 4, 4] }], attrs, outputs: 2, h: H, seed: 102 });
    await expectGradientsMatch({ opType: 'MaxPool', inputs: [{ x: [2, 2, 4, 4] }], attrs: { ...attrs, storage_order: 1 }, outputs: 2, h: H, seed: 103 });
    const tiled = { kernel_shape: [2, 2], strides: [2, 2] };
    await expectGradientsMatch({ opType: 'MaxPool', inputs: [{ x: [2, 2, 4, 4] }], attrs: { ...tiled, storage_order: 1 }, outputs: 2, h: H, seed: 104 });
  });

  it('when float32 windows do not overlap, then dx uses MaxUnpool (tiling 2-D windows without the Indices kernel); otherwise ScatterElements', async () => {
    const ops = (xs: number[], attrs: Record<string, AttrInput>, dtype: 'float32' | 'float64' = 'float32') =>
      gradientOps({ opType: 'MaxPool', inputs: [{ x: xs }], attrs, dtype });
    const tiling = { kernel_shape: [2, 2], strides: [2, 2] };
    const tiled = await ops([1, 2, 4, 6], tiling);
    expect(tiled).toEqual(expect.arrayContaining(['ArgMax', 'MaxUnpool']));
    expect(tiled).not.toContain('ScatterElements');
    expect(tiled.filter((o) => o === 'MaxPool')).toHaveLength(1); // the forward node only
    const padded = await ops([1, 2, 4, 4], { ...tiling, pads: [1, 1, 1, 1] });
    expect(padded).toContain('MaxUnpool');
    expect(padded.filter((o) => o === 'MaxPool')).toHaveLength(2); // recomputed with Indices
    expect(await ops([1, 2, 4, 4], { kernel_shape: [2, 2], strides: [1, 1] })).toContain('ScatterElements');
    // ORT's MaxUnpool has no float64 kernel.
    expect(await ops([1, 2, 4, 6], tiling, 'float64')).toContain('ScatterElements');
  });

  it.each<[string, number[], Record<string, AttrInput>, number?]>([
    ['2×2 windows tiling x, symbolic batch run at 3', [3, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2] }],
    ['3×3 windows tiling x', [2, 2, 6, 9], { kernel_shape: [3, 3], strides: [3, 3] }],
    ['2×3 windows tiling x', [2, 2, 4, 9], { kernel_shape: [2, 3], strides: [2, 3] }],
    ['2×3×2 windows tiling a 3-D x', [2, 2, 4, 6, 4], { kernel_shape: [2, 3, 2], strides: [2, 3, 2] }],
    ['windows tiling x, auto_pad SAME_UPPER on divisible sizes', [2, 3, 4, 4], { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' }],
    ['windows tiling x, ceil_mode on divisible sizes', [2, 1, 6, 4], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }],
    ['kernel = stride with pads', [2, 2, 4, 4], { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['ceil_mode with a truncated last window', [2, 2, 5, 6], { kernel_shape: [2, 3], strides: [2, 3], ceil_mode: 1 }],
    ['kernel smaller than stride, dilated', [2, 2, 7, 8], { kernel_shape: [2, 2], strides: [3, 3], dilations: [2, 1] }],
    ['1-D windows tiling x', [2, 3, 8], { kernel_shape: [2], strides: [2] }],
    ['1-D, kernel smaller than stride', [2, 3, 9], { kernel_shape: [2], strides: [3] }],
    ['3-D windows tiling x', [2, 2, 2, 4, 4], { kernel_shape: [2, 2, 2], strides: [2, 2, 2] }],
    ['Indices emitted by the node, tiling x', [2, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2] }, 2],
    ['Indices emitted by the node, padded', [2, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 1, 0, 1] }, 2],
    ['column-major Indices emitted by the node (recomputed)', [2, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2], storage_order: 1 }, 2],
  ])('when float32 windows do not overlap (%s), then dx matches central differences', async (_, xs, attrs, outputs = 1) => {
    // Distinct values 0.05 apart (shuffled): h = 1e-2 never changes a window's argmax, so float32 differences are exact enough.
    const n = xs.reduce((a, b) => a * b, 1);
    const x = shuffled(n, 7).map((k) => -1 + (2 * k) / n);
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'MaxPool', inputs: ['data'], outputs: outputs === 2 ? ['p', 'i'] : ['p'], attrs },
        { opType: 'Flatten', inputs: ['p'], outputs: ['z'] },
      ],
      output: 'z', xShape: xs, batched: true, dtype: 'float32', x, h: 1e-3,
    }, 1e-2);
  });

  it('when float32 windows with ties tile x, then dx routes exactly as the general path (float64) does', async () => {
    // After a Relu half the inputs are 0 and many windows are all-zero ties; values on a 1/8 grid add ties between positives.
    const xs = [1, 3, 8, 6];
    const x = uniform(xs.reduce((a, b) => a * b, 1), -1, 1, 9).map((v) => Math.max(0, Math.round(8 * v) / 8));
    const nodes = [{ op: 'MaxPool', inputs: ['data'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }, { op: 'Flatten', inputs: ['v0'] }];
    const fast = (await gradientOf(smallModel({ xShape: xs, nodes, dtype: 'float32' }), x)).runs[0].grad;
    const general = (await gradientOf(smallModel({ xShape: xs, nodes, dtype: 'float64' }), x)).runs[0].grad;
    expect(fast.map((v) => v !== 0)).toEqual(general.map((v) => v !== 0));
    expect(maxRelDiff(fast, general)).toBeLessThan(1e-6);
  });

  it('when a window has tied maxima, then dy goes to the first in row-major window order, as in PyTorch (by hand)', async () => {
    // Windows (2×2, stride 2): [1 1; 1 1] → (0,0); [0 2; 2 1] → (0,3); [2 3; 3 2] → (2,1); [5 5; 4 5] → (2,2).
    // PyTorch's max_pool2d(return_indices=True) gives the same flat indices 0, 3, 9, 10 (checked with torch 1.13).
    const x = [1, 1, 0, 2, 1, 1, 2, 1, 2, 3, 5, 5, 3, 2, 4, 5];
    const dy = ceGradient([1, 2, 3, 5]);
    const want = Array(16).fill(0);
    [0, 3, 9, 10].forEach((at, o) => (want[at] = dy[o]));
    // float32: the MaxUnpool fast path; float64: MaxPool's Indices and ScatterElements.
    for (const [dtype, digits] of [['float32', 6], ['float64', 12]] as const) {
      const model = smallModel({
        xShape: [1, 1, 4, 4], dtype,
        nodes: [{ op: 'MaxPool', inputs: ['data'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } }, { op: 'Flatten', inputs: ['v0'] }],
      });
      const { runs } = await gradientOf(model, x);
      want.forEach((v, i) => expect(runs[0].grad[i]).toBeCloseTo(v, digits));
    }
  });

  it('when a 1-D window (general path) has tied maxima, then dy also goes to the first (by hand)', async () => {
    const model = smallModel({ xShape: [1, 1, 4], nodes: [{ op: 'MaxPool', inputs: ['data'], attrs: { kernel_shape: [2], strides: [2] } }] });
    const { runs } = await gradientOf(model, [1, 1, 2, 2]);
    const dy = ceGradient([1, 2]);
    [dy[0], 0, dy[1], 0].forEach((v, i) => expect(runs[0].grad[i]).toBeCloseTo(v, 12));
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
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'MaxPool', inputs: ['data'], outputs: ['p'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
        { opType: 'Flatten', inputs: ['p'], outputs: ['z'] },
      ],
      output: 'z', xShape: [3, 2, 4, 6], batched: true, h: H, seed: 106,
    });
  });
});
