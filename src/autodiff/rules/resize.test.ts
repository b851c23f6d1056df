import { encodeModel } from '../../onnx/encode';
import { Attribute, Model, TensorValue } from '../../onnx/ir';
import { Session } from '../../runtime/session';
import type { AttrInput } from '../../onnx/graph-writer';
import { toAttribute } from '../../onnx/graph-writer';
import { CheckInput, checkModel, expectGradientsMatch, rng } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';
import { resizeMatrix } from './resize';

// ORT has no float64 Resize kernel, so every gradient check here runs in float32 (h = 1e-2): the measured
// max relative error is ~1e-3 (float32 loss rounding over 2h), hence the 1e-2 bound. The interpolation
// weights themselves are checked much more tightly against ORT's own forward pass (1e-5).
const BOUND = 1e-2;

interface Case {
  name: string;
  shape: number[];
  attrs: Record<string, AttrInput>;
  scales?: number[];
  sizes?: number[];
  roi?: number[];
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Runs ORT's Resize (float32) on x. */
async function ortResize(c: Case, x: Float32Array): Promise<{ y: Float32Array; dims: number[] }> {
  const inits = new Map<string, TensorValue>();
  if (c.roi) inits.set('roi', { dtype: 'float32', dims: [c.roi.length], data: Float32Array.from(c.roi) });
  if (c.scales) inits.set('scales', { dtype: 'float32', dims: [c.scales.length], data: Float32Array.from(c.scales) });
  if (c.sizes) inits.set('sizes', { dtype: 'int64', dims: [c.sizes.length], data: BigInt64Array.from(c.sizes.map(BigInt)) });
  const attributes = new Map<string, Attribute>(Object.entries(c.attrs).map(([k, v]) => [k, toAttribute(v)]));
  const model: Model = {
    irVersion: 8, opsetImports: new Map([['', 17]]), producerName: 'test', producerVersion: '',
    graph: {
      name: 'resize', valueInfo: new Map(), initializers: inits,
      nodes: [{ name: 'r', opType: 'Resize', domain: '', attributes, outputs: ['y'],
        inputs: ['x', c.roi ? 'roi' : '', c.scales ? 'scales' : '', c.sizes ? 'sizes' : ''] }],
      inputs: [{ name: 'x', dtype: 'float32', shape: c.shape }], outputs: [{ name: 'y', dtype: 'float32' }],
    },
  };
  const s = await Session.create(encodeModel(model));
  try {
    const out = await s.run({ x: { dtype: 'float32', dims: c.shape, data: x } });
    return { y: out.y.data as Float32Array, dims: out.y.dims };
  } finally {
    await s.release();
  }
}

/** y = x ×ₐ Mₐ over every axis with scale ≠ 1, in float64. */
function matrixResize(c: Case, x: Float32Array, outDims: number[]): Float64Array {
  let cur = Float64Array.from(x);
  let dims = c.shape.slice();
  for (let a = 0; a < dims.length; a++) {
    const scale = Math.fround(c.scales ? c.scales[a] : outDims[a] / c.shape[a]);
    if (scale === 1) continue;
    const [inn, out] = [dims[a], outDims[a]];
    const m = resizeMatrix({
      mode: (c.attrs.mode as string) ?? 'nearest',
      coordinateMode: (c.attrs.coordinate_transformation_mode as string) ?? 'half_pixel',
      nearestMode: (c.attrs.nearest_mode as string) ?? 'round_prefer_floor',
      cubicCoeffA: Math.fround((c.attrs.cubic_coeff_a as { float: number } | undefined)?.float ?? -0.75),
      excludeOutside: c.attrs.exclude_outside === 1,
      inLen: inn, outLen: out, scale,
      roiStart: c.roi ? Math.fround(c.roi[a]) : 0, roiEnd: c.roi ? Math.fround(c.roi[dims.length + a]) : 1,
    });
    const outer = prod(dims.slice(0, a)), inner = prod(dims.slice(a + 1));
    const next = new Float64Array(outer * out * inner);
    for (let p = 0; p < outer; p++) for (let o = 0; o < out; o++) for (let i = 0; i < inn; i++) {
      const w = m[o * inn + i];
      if (w === 0) continue;
      for (let q = 0; q < inner; q++) next[(p * out + o) * inner + q] += w * cur[(p * inn + i) * inner + q];
    }
    cur = next;
    dims = dims.map((d, k) => (k === a ? out : d));
  }
  return cur;
}

const CASES: Case[] = [
  // nearest: every coordinate transform and rounding mode, up and down, integer and fractional scales.
  { name: 'nearest ×2 asymmetric floor (the 2× fast path)', shape: [1, 2, 3, 4], attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, scales: [1, 1, 2, 2] },
  { name: 'nearest default (half_pixel, round_prefer_floor) by sizes', shape: [1, 2, 3, 4], attrs: { mode: 'nearest' }, sizes: [1, 2, 7, 5] },
  { name: 'nearest downsample ×0.5 round_prefer_floor (exact ties)', shape: [1, 1, 8, 6], attrs: { mode: 'nearest' }, scales: [1, 1, 0.5, 0.5] },
  { name: 'nearest downsample ×0.5 round_prefer_ceil (exact ties)', shape: [1, 1, 8, 6], attrs: { mode: 'nearest', nearest_mode: 'round_prefer_ceil' }, scales: [1, 1, 0.5, 0.5] },
  { name: 'nearest ×1.5 align_corners ceil', shape: [1, 2, 4, 4], attrs: { mode: 'nearest', coordinate_transformation_mode: 'align_corners', nearest_mode: 'ceil' }, scales: [1, 1, 1.5, 1.5] },
  { name: 'nearest ×1.7 pytorch_half_pixel floor', shape: [1, 2, 3, 5], attrs: { mode: 'nearest', coordinate_transformation_mode: 'pytorch_half_pixel', nearest_mode: 'floor' }, scales: [1, 1, 1.7, 1.7] },
  { name: 'nearest tf_half_pixel_for_nn', shape: [1, 1, 5, 3], attrs: { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, sizes: [1, 1, 3, 7] },
  { name: 'nearest tf_crop_and_resize with extrapolation', shape: [1, 1, 4, 5], attrs: { mode: 'nearest', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: 3 } }, roi: [0, 0, -0.2, 0.1, 1, 1, 0.7, 1.3], sizes: [1, 1, 5, 6] },
  { name: 'nearest on a 3-D tensor', shape: [2, 3, 4], attrs: { mode: 'nearest' }, sizes: [2, 5, 7] },
  // linear: bilinear NCHW / NHWC / 2-D, trilinear, every coordinate transform.
  { name: 'linear half_pixel ×2', shape: [1, 2, 3, 4], attrs: { mode: 'linear' }, scales: [1, 1, 2, 2] },
  { name: 'linear half_pixel downsample by sizes', shape: [1, 2, 7, 8], attrs: { mode: 'linear' }, sizes: [1, 2, 3, 5] },
  { name: 'linear asymmetric ×1.5', shape: [1, 1, 4, 4], attrs: { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, scales: [1, 1, 1.5, 2.5] },
  { name: 'linear align_corners', shape: [1, 2, 3, 4], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, sizes: [1, 2, 5, 9] },
  { name: 'linear pytorch_half_pixel to a length-1 axis', shape: [1, 1, 4, 5], attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, sizes: [1, 1, 1, 8] },
  { name: 'linear tf_crop_and_resize', shape: [1, 1, 4, 4], attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: -2 } }, roi: [0, 0, 0.4, -0.3, 1, 1, 0.6, 1.2], sizes: [1, 1, 3, 6] },
  { name: 'linear NHWC (scales on H, W)', shape: [1, 3, 4, 2], attrs: { mode: 'linear' }, scales: [1, 2, 1.5, 1] },
  { name: 'linear 2-D', shape: [3, 4], attrs: { mode: 'linear' }, sizes: [5, 7] },
  { name: 'linear trilinear 5-D', shape: [1, 1, 2, 3, 3], attrs: { mode: 'linear' }, sizes: [1, 1, 3, 5, 4] },
  // cubic.
  { name: 'cubic default ×2', shape: [1, 2, 4, 4], attrs: { mode: 'cubic' }, scales: [1, 1, 2, 2] },
  { name: 'cubic exclude_outside, a = −0.5', shape: [1, 1, 4, 5], attrs: { mode: 'cubic', exclude_outside: 1, cubic_coeff_a: { float: -0.5 } }, sizes: [1, 1, 7, 8] },
  { name: 'cubic align_corners downsample', shape: [1, 1, 8, 7], attrs: { mode: 'cubic', coordinate_transformation_mode: 'align_corners' }, sizes: [1, 1, 5, 3] },
  { name: 'cubic asymmetric on 2-D', shape: [4, 5], attrs: { mode: 'cubic', coordinate_transformation_mode: 'asymmetric' }, scales: [1.5, 2] },
];

/** The gradcheck inputs of a case (x, roi, scales, sizes). */
function inputs(c: Case): CheckInput[] {
  return [
    { x: c.shape },
    c.roi ? { float: [c.roi.length], values: c.roi } : { absent: true },
    c.scales ? { float: [c.scales.length], values: c.scales } : { absent: true },
    c.sizes ? { int64: [c.sizes.length], values: c.sizes } : { absent: true },
  ];
}

describe('Resize interpolation weights', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('when resizing %s, then the weight matrices reproduce ORT\'s forward', async (_, c) => {
    const rand = rng(81);
    const x = Float32Array.from({ length: prod(c.shape) }, () => 2 * rand() - 1);
    const { y, dims } = await ortResize(c, x);
    // Subtract ORT's output at x = 0: the affine part (extrapolation_value of tf_crop_and_resize) is not in M.
    const { y: y0 } = await ortResize(c, new Float32Array(x.length));
    const mine = matrixResize(c, x, dims);
    expect(mine.length).toBe(y.length);
    let worst = 0;
    mine.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - (y[k] - y0[k])))));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('Resize rule', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('when resizing %s, then the gradient matches central differences (float32)', async (_, c) => {
    await expectGradientsMatch({ opType: 'Resize', inputs: inputs(c), attrs: c.attrs, dtype: 'float32', seed: 82 }, BOUND);
  });

  it('when the output shape equals the input shape, then dy passes through', async () => {
    await expectGradientsMatch({ opType: 'Resize', inputs: inputs({ name: '', shape: [1, 1, 3, 3], attrs: {}, scales: [1, 1, 1.2, 1.2] }), attrs: { mode: 'linear' }, dtype: 'float32', seed: 83 }, BOUND);
  });

  it('when [a, b] is upsampled ×2 by nearest, then each element collects its two copies (by hand)', async () => {
    // y = [a, a, b, b] (asymmetric, floor); with dz = softmax(y) − e₀ (CE, label 0): da = dz₀ + dz₁, db = dz₂ + dz₃.
    const spec = { opType: 'Resize', inputs: inputs({ name: '', shape: [1, 2], attrs: {}, scales: [1, 2] }), attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, dtype: 'float32' as const, seed: 84 };
    const { x } = checkModel(spec);
    const z = [x[0], x[0], x[1], x[1]].map(Math.fround);
    const e = z.map(Math.exp);
    const total = e.reduce((p, q) => p + q, 0);
    const dz = e.map((v, k) => v / total - (k === 0 ? 1 : 0));
    const { analytic } = await expectGradientsMatch(spec, BOUND);
    expect(analytic[0]).toBeCloseTo(dz[0] + dz[1], 5);
    expect(analytic[1]).toBeCloseTo(dz[2] + dz[3], 5);
  });

  it('when the batch is symbolic and sizes are computed from Shape(x), then the gradient follows the runtime batch', async () => {
    // sizes = [N, C, 2H, 3W] built at run time, as exporters emit for dynamic batches.
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Shape', inputs: ['data'], outputs: ['xs'] },
        { opType: 'Mul', inputs: ['xs', 'factors'], outputs: ['sizes'] },
        { opType: 'Resize', inputs: ['data', '', '', 'sizes'], outputs: ['y'], attrs: { mode: 'linear' } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: { factors: { dtype: 'int64', dims: [4], values: [1, 1, 2, 3] } },
      output: 'out', xShape: [3, 2, 2, 2], batched: true, dtype: 'float32', seed: 85,
    }, BOUND);
  });

  it('when scales come from a constant subgraph, then the probe folds them and the gradient matches', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Add', inputs: ['s0', 's0'], outputs: ['scales'] },
        { opType: 'Resize', inputs: ['data', '', 'scales'], outputs: ['y'], attrs: { mode: 'nearest' } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: { s0: { dtype: 'float32', dims: [4], values: [0.5, 0.5, 1, 1] } },
      output: 'out', xShape: [1, 1, 2, 2], dtype: 'float32',
    }, 1e-2);
  });

  it('when scales depend on the input (via its shape), then differentiation fails naming the node', async () => {
    await expect(expectGraphGradientsMatch({
      nodes: [
        { opType: 'Shape', inputs: ['data'], outputs: ['shp'] },
        { opType: 'Cast', inputs: ['shp'], outputs: ['shpf'], attrs: { to: 1 } },
        { opType: 'Div', inputs: ['shpf', 'shpf'], outputs: ['ones'] },
        { opType: 'Mul', inputs: ['ones', 's0'], outputs: ['scales'] },
        { opType: 'Resize', inputs: ['data', '', 'scales'], outputs: ['y'], attrs: { mode: 'nearest' } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: { s0: { dtype: 'float32', dims: [4], values: [1, 1, 2, 2] } },
      output: 'out', xShape: [1, 1, 2, 2], dtype: 'float32',
    })).rejects.toThrow(/Resize '.*'.*scales/);
  });
});
