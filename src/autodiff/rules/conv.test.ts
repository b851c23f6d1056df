import { encodeModel } from '../../onnx/encode';
import { Model } from '../../onnx/ir';
import { probeShapes } from '../../runtime/probe';
import { Session } from '../../runtime/session';
import { buildGradientModel } from '../builder';
import type { AttrInput } from '../../onnx/graph-writer';
import { expectGraphGradientsMatch } from '../testing/graph-check';
import { CheckSpec, checkModel, expectGradientsMatch } from '../testing/gradcheck';
import { ceGradient } from '../testing/small-model';

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
  ['depthwise with channel multiplier 2, stride 1', { x: [1, 3, 5, 5], w: [6, 1, 3, 3], attrs: { group: 3, pads: [1, 1, 1, 1] } }],
  ['pads wider than the kernel span (1×1 kernel, pad 1)', { x: [1, 2, 3, 3], w: [2, 2, 1, 1], attrs: { pads: [1, 1, 1, 1] } }],
  ['3-D, stride 1', { x: [1, 8, 3, 3, 3], w: [2, 8, 2, 3, 2], attrs: { pads: [1, 0, 1, 0, 1, 0] } }],
  ['8 channels, stride 1 (the Conv-of-dy path)', { x: [1, 8, 5, 5], w: [3, 8, 3, 3], attrs: { pads: [1, 2, 0, 1] } }],
];

/** Op types of the gradient graph the builder emits for a one-node spec. */
async function gradientOps(spec: CheckSpec): Promise<string[]> {
  const { model, xShape } = checkModel(spec);
  const shapes = await probeShapes(model, { inputShape: xShape });
  return buildGradientModel(model, { loss: 'ce', shapes }).model.graph.nodes.map((n) => n.opType);
}

/** Builds and runs the gradient graph of a float32 model at x (label 0): emitted op types and dx. */
async function gradientRun(model: Model, xShape: number[], x: number[]): Promise<[string[], Float32Array]> {
  const shapes = await probeShapes(model, { inputShape: xShape });
  const gm = buildGradientModel(model, { loss: 'ce', shapes }).model;
  const session = await Session.create(encodeModel(gm));
  try {
    const out = await session.run({
      x: { dtype: 'float32', dims: xShape, data: Float32Array.from(x) },
      labels: { dtype: 'int64', dims: [1], data: new BigInt64Array([0n]) },
    });
    return [gm.graph.nodes.map((n) => n.opType), out.grad.data as Float32Array];
  } finally {
    await session.release();
  }
}

interface Geometry { x: number[]; w: number[]; pads: number[]; group: number; dilations: number[] }

/** Reference in float64, straight from the definition: y = conv(x, W); dy = softmax(y) − e₀; dx[i] += W·dy[j]. */
function referenceDx(c: Geometry, x: Float64Array, w: Float64Array): Float64Array {
  const [, C, H, W] = c.x, [M, Ig, KH, KW] = c.w;
  const [ph, pw, pe, pr] = c.pads, [dh, dw] = c.dilations;
  const OH = H + ph + pe - (KH - 1) * dh - 1 + 1, OW = W + pw + pr - (KW - 1) * dw - 1 + 1;
  const og = M / c.group;
  const taps = (m: number, f: (xi: number, wi: number) => void) => {
    const gi = Math.floor(m / og);
    for (let i = 0; i < Ig; i++) for (let a = 0; a < KH; a++) for (let b = 0; b < KW; b++) f((gi * Ig + i) * H * W, ((m * Ig + i) * KH + a) * KW + b);
  };
  const y: number[] = [];
  for (let m = 0; m < M; m++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    let acc = 0;
    taps(m, (base, wi) => {
      const a = Math.floor((wi % (KH * KW)) / KW), b = wi % KW;
      const [iy, ix] = [oy - ph + a * dh, ox - pw + b * dw];
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) acc += w[wi] * x[base + iy * W + ix];
    });
    y.push(acc);
  }
  const dy = ceGradient(y);
  const dx = new Float64Array(C * H * W);
  for (let m = 0; m < M; m++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    taps(m, (base, wi) => {
      const a = Math.floor((wi % (KH * KW)) / KW), b = wi % KW;
      const [iy, ix] = [oy - ph + a * dh, ox - pw + b * dw];
      if (iy >= 0 && iy < H && ix >= 0 && ix < W) dx[base + iy * W + ix] += w[wi] * dy[(m * OH + oy) * OW + ox];
    });
  }
  return dx;
}


describe('Conv rule', () => {
  it.each(CASES)('when the conv has %s, then dx matches central differences in float32', async (_, c) => {
    await expectGradientsMatch({ opType: 'Conv', inputs: [{ x: c.x }, { float: c.w }], attrs: c.attrs, dtype: 'float32', seed: 31 }, BOUND);
  });

  it.each<[string, Geometry]>([
    ['plain', { x: [1, 8, 6, 5], w: [4, 8, 3, 3], pads: [1, 1, 1, 1], group: 1, dilations: [1, 1] }],
    ['asymmetric pads and dilations', { x: [1, 8, 7, 6], w: [3, 8, 3, 2], pads: [2, 0, 1, 1], group: 1, dilations: [2, 3] }],
    ['groups', { x: [1, 4, 5, 5], w: [6, 2, 3, 3], pads: [1, 0, 0, 1], group: 2, dilations: [1, 1] }],
    ['depthwise', { x: [1, 3, 5, 4], w: [3, 1, 3, 3], pads: [1, 1, 1, 1], group: 3, dilations: [1, 1] }],
  ])('when the conv (%s) takes the Conv-of-dy path, then dx equals a float64 reference of conv_transpose(dy, W)', async (_, c) => {
    const spec: CheckSpec = {
      opType: 'Conv', inputs: [{ x: c.x }, { float: c.w }], dtype: 'float32', seed: 34,
      attrs: { pads: c.pads, group: c.group, dilations: c.dilations },
    };
    const { model, x, xShape } = checkModel(spec);
    const [ops, got] = await gradientRun(model, xShape, x);
    expect(ops).not.toContain('ConvTranspose');
    const w = Float64Array.from(model.graph.initializers.get('in1')!.data as Float32Array);
    const want = referenceDx(c, Float64Array.from(Float32Array.from(x)), w);
    const scale = Math.max(...Array.from(want, Math.abs));
    // float32 accumulation of ≤ 27 products: a few ulps of the largest term.
    want.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-6 * scale));
  });

  it('when the conv is grouped or x has ≥ 8 channels, and stride 1, then dx is a Conv of dy; else a ConvTranspose', async () => {
    const path = async (xs: number[], ws: number[], attrs: Record<string, AttrInput>) => {
      const ops = await gradientOps({ opType: 'Conv', inputs: [{ x: xs }, { float: ws }], attrs, dtype: 'float32' });
      return ops.includes('ConvTranspose') ? 'ConvTranspose' : 'Conv';
    };
    const pad1 = { pads: [1, 1, 1, 1] };
    expect(await path([1, 8, 5, 5], [3, 8, 3, 3], pad1)).toBe('Conv');
    expect(await path([1, 4, 5, 5], [2, 2, 3, 3], { ...pad1, group: 2 })).toBe('Conv');
    expect(await path([1, 16, 3, 3], [4, 16, 1, 1], {})).toBe('Conv');
    expect(await path([1, 3, 5, 5], [8, 3, 3, 3], pad1)).toBe('ConvTranspose');
    expect(await path([1, 4, 3, 3], [4, 4, 1, 1], {})).toBe('ConvTranspose');
    expect(await path([1, 8, 6, 6], [3, 8, 3, 3], { ...pad1, strides: [2, 2] })).toBe('ConvTranspose');
    expect(await path([1, 8, 4, 4], [2, 8, 1, 1], pad1)).toBe('ConvTranspose'); // pad 1 > kernel span 0
  });

  it('when the weight is computed rather than a known constant, then the flip is emitted as ops and dx is unchanged', async () => {
    // 4·1·33·33 = 4356 weights: above the probe's value limit (4096), so the builder sees no constant
    // behind Mul(w0, 1); the same conv with w0 itself as the weight takes the precomputed-constant path.
    const spec: CheckSpec = { opType: 'Conv', inputs: [{ x: [1, 2, 32, 33] }, { float: [4, 1, 33, 33] }], attrs: { pads: [1, 0, 0, 1], group: 2 }, dtype: 'float32', seed: 35 };
    const { model, x, xShape } = checkModel(spec);
    const computed = structuredClone(model);
    computed.graph.initializers.set('one', { dtype: 'float32', dims: [], data: new Float32Array([1]) });
    computed.graph.nodes.unshift({ name: 'w_mul', opType: 'Mul', domain: '', inputs: ['in1', 'one'], outputs: ['w'], attributes: new Map() });
    computed.graph.nodes[1].inputs[1] = 'w';
    const [ops, direct] = await gradientRun(model, xShape, x);
    const [opsComputed, viaOps] = await gradientRun(computed, xShape, x);
    expect(ops).not.toContain('Slice');
    expect(opsComputed).toEqual(expect.arrayContaining(['Transpose', 'Slice', 'Conv']));
    expect(opsComputed).not.toContain('ConvTranspose');
    const scale = Math.max(...Array.from(direct, Math.abs));
    direct.forEach((v, i) => expect(Math.abs(viaOps[i] - v)).toBeLessThanOrEqual(1e-6 * scale));
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
