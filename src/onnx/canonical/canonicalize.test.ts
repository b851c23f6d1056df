/**
 * canonicalize: each conversion is checked against ONNX Runtime, which still runs old (and new)
 * opsets natively: the original model and its canonical opset-17 form run on the same random
 * inputs and must agree to 1e-6 (relative). Where ORT has no kernel for the source version
 * (opsets < 7), the canonical model is checked against values computed here.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Attribute, DType, Graph, Model, Node, TensorValue, ValueInfo, numel } from '../ir';
import { canonicalize, CANONICAL_OPSET, convertedOps, onnxSinceVersion, opsNeedingConversion } from '.';
import { encodeModel } from '../encode';
import { decodeModel } from '../decode';
import { ModelError } from '../../errors';
import { Session } from '../../runtime/session';
import { HostData, HostTensor } from '../../runtime/tensor';
import { rng } from '../../autodiff/testing/gradcheck';

// ------------------------------------------------------------------------------------------
// Model builder
// ------------------------------------------------------------------------------------------
type AttrIn = number | string | number[] | { f: number } | { fs: number[] } | { t: TensorValue } | { g: Graph };

function toAttr(v: AttrIn): Attribute {
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) return { type: 'ints', value: v };
  if ('f' in v) return { type: 'float', value: v.f };
  if ('fs' in v) return { type: 'floats', value: v.fs };
  if ('t' in v) return { type: 'tensor', value: v.t };
  return { type: 'graph', value: v.g };
}

function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrIn> = {}, name?: string, domain = ''): Node {
  const attributes = new Map<string, Attribute>();
  for (const [k, v] of Object.entries(attrs)) attributes.set(k, toAttr(v));
  return { name: name ?? `${opType}_${outputs[0]}`, opType, domain, inputs, outputs, attributes };
}

const f32 = (dims: number[], values: number[]): TensorValue => ({ dtype: 'float32', dims, data: Float32Array.from(values) });
const i64 = (values: number[], dims = [values.length]): TensorValue => ({ dtype: 'int64', dims, data: BigInt64Array.from(values.map(BigInt)) });
const vi = (name: string, shape?: (number | string | null)[], dtype: DType = 'float32'): ValueInfo => ({ name, dtype, shape });

interface Spec {
  opset: number;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  inits?: Record<string, TensorValue>;
  valueInfo?: ValueInfo[];
  ir?: number;
  domains?: [string, number][];
}

function graph(name: string, nodes: Node[], inputs: ValueInfo[], outputs: ValueInfo[], inits: Record<string, TensorValue> = {}, valueInfo: ValueInfo[] = []): Graph {
  return {
    name, nodes, inputs, outputs,
    initializers: new Map(Object.entries(inits)),
    valueInfo: new Map(valueInfo.map((v) => [v.name, v])),
  };
}

function build(s: Spec): Model {
  return {
    irVersion: s.ir ?? (s.opset <= 8 ? 3 : s.opset <= 10 ? 5 : s.opset <= 14 ? 7 : s.opset <= 18 ? 8 : s.opset <= 20 ? 9 : 10),
    opsetImports: new Map([['', s.opset], ...(s.domains ?? [])]),
    producerName: 'canonical.test',
    producerVersion: '',
    graph: graph('g', s.nodes, s.inputs, s.outputs, s.inits, s.valueInfo),
  };
}

/** A one-node model: data inputs become graph inputs (shapes given), constants initializers. */
function one(opset: number, opType: string, inputs: (ValueInfo | [string, TensorValue] | '')[], attrs: Record<string, AttrIn> = {}, outputs: ValueInfo[] = [vi('y')]): Model {
  const inits: Record<string, TensorValue> = {};
  const graphInputs: ValueInfo[] = [];
  const names = inputs.map((i) => {
    if (i === '') return '';
    if (Array.isArray(i)) { inits[i[0]] = i[1]; return i[0]; }
    graphInputs.push(i);
    return i.name;
  });
  return build({ opset, nodes: [node(opType, names, outputs.map((o) => o.name), attrs, 'n')], inputs: graphInputs, outputs, inits });
}

// ------------------------------------------------------------------------------------------
// Running and comparing
// ------------------------------------------------------------------------------------------
function randomData(dtype: DType, n: number, rand: () => number, lo = -2, hi = 2): HostData {
  const vals = Array.from({ length: n }, () => lo + (hi - lo) * rand());
  switch (dtype) {
    case 'float32': return Float32Array.from(vals);
    case 'float64': return Float64Array.from(vals);
    case 'int64': return BigInt64Array.from(vals.map((v) => BigInt(Math.round(v * 5))));
    case 'int32': return Int32Array.from(vals.map((v) => Math.round(v * 5)));
    case 'bool': return Uint8Array.from(vals.map((v) => (v > 0 ? 1 : 0)));
    default: throw new Error(`no random data for ${dtype}`);
  }
}

function randomFeeds(m: Model, seed = 7, overrides: Record<string, HostTensor> = {}): Record<string, HostTensor> {
  const rand = rng(seed);
  const feeds: Record<string, HostTensor> = {};
  for (const inp of m.graph.inputs) {
    if (overrides[inp.name]) { feeds[inp.name] = overrides[inp.name]; continue; }
    const dims = (inp.shape ?? []).map((d) => (typeof d === 'number' ? d : 2));
    feeds[inp.name] = { dtype: inp.dtype, dims, data: randomData(inp.dtype, numel(dims), rand) };
  }
  return feeds;
}

async function run(m: Model, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
  const s = await Session.create(encodeModel(m));
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

/**
 * Elementwise relative error ≤ tol. Elements far below the tensor's scale (less than a tenth of
 * its largest magnitude) are compared relative to that tenth: float32 cancellation (e.g. 1+erf(x)
 * near x = -2) makes their own relative error meaningless.
 */
function expectClose(name: string, got: HostTensor, want: HostTensor, tol = 1e-6): void {
  expect({ name, dims: got.dims }).toEqual({ name, dims: want.dims });
  const a = Array.from(got.data as ArrayLike<number | bigint>, Number);
  const b = Array.from(want.data as ArrayLike<number | bigint>, Number);
  const floor = Math.max(1e-12, 0.1 * b.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0));
  let worst = 0, at = -1;
  for (let i = 0; i < b.length; i++) {
    if (Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue; // NaN/±inf agree
    const err = Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), floor);
    if (!(err <= worst)) { worst = err; at = i; }
  }
  if (!(worst <= tol)) throw new Error(`${name}: relative error ${worst} at ${at} (got ${a[at]}, want ${b[at]})`);
}

// Ops introduced after opset 17, and deprecated/experimental ops, by the ONNX changelog.
const NEWER_THAN_17 = new Set([
  'Gelu', 'GroupNormalization', 'Mish', 'CenterCropPad', 'Col2Im', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitwiseNot',
  'DeformConv', 'AffineGrid', 'ImageDecoder', 'RegexFullMatch', 'StringConcat', 'StringSplit', 'Attention',
  'RMSNormalization', 'RotaryEmbedding', 'TensorScatter', 'Swish',
]);
const REMOVED = new Set([
  'Upsample', 'Scatter', 'ImageScaler', 'Crop', 'ScaledTanh', 'Affine', 'ParametricSoftplus', 'Scale', 'ATen',
  'ConstantFill', 'GivenTensorFill', 'GRUUnit', 'DynamicSlice',
]);
/** Attributes that exist only in pre-17 or post-17 versions of an op. */
const FOREIGN_ATTRS: Record<string, string[]> = {
  '*': ['consumed_inputs', 'broadcast', 'is_test', 'spatial', 'num_outputs', 'antialias', 'keep_aspect_ratio_policy',
    'saturate', 'block_size', 'output_dtype', 'paddings'],
  Squeeze: ['axes'], Unsqueeze: ['axes'], ReduceSum: ['axes'], Split: ['split'], Slice: ['starts', 'ends', 'axes'],
  Pad: ['pads', 'value'], Clip: ['min', 'max'], Dropout: ['ratio'], TopK: ['k'], Reshape: ['shape'],
  ReduceMean: ['noop_with_empty_axes'], ReduceMax: ['noop_with_empty_axes'], ReduceMin: ['noop_with_empty_axes'],
  ReduceProd: ['noop_with_empty_axes'], ReduceL1: ['noop_with_empty_axes'], ReduceL2: ['noop_with_empty_axes'],
  ReduceLogSum: ['noop_with_empty_axes'], ReduceLogSumExp: ['noop_with_empty_axes'], ReduceSumSquare: ['noop_with_empty_axes'],
  AveragePool: ['dilations'], LpPool: ['dilations', 'ceil_mode'], Resize: ['axes'],
};

/** Asserts the model is in canonical form: imports {''→17}, IR ≥ 8, only ops with since-version ≤ 17, no foreign attributes. */
function assertCanonical(m: Model): void {
  expect([...m.opsetImports]).toEqual([['', CANONICAL_OPSET]]);
  expect(m.irVersion).toBeGreaterThanOrEqual(8);
  const walk = (g: Graph) => {
    for (const n of g.nodes) {
      expect({ node: n.name, domain: n.domain }).toEqual({ node: n.name, domain: '' });
      const since = onnxSinceVersion(n.opType, CANONICAL_OPSET);
      if (since === undefined || since > 17 || NEWER_THAN_17.has(n.opType) || REMOVED.has(n.opType)) {
        throw new Error(`node '${n.name}' has op ${n.opType}, which is not an opset-17 op`);
      }
      for (const a of [...FOREIGN_ATTRS['*'], ...(FOREIGN_ATTRS[n.opType] ?? [])]) {
        if (n.attributes.has(a)) throw new Error(`node '${n.name}' (${n.opType}) still has attribute '${a}'`);
      }
      if (n.opType.startsWith('Reduce') && n.opType !== 'ReduceSum' && n.inputs.length > 1) {
        throw new Error(`node '${n.name}' (${n.opType}) has an axes input`);
      }
      for (const a of n.attributes.values()) if (a.type === 'graph') walk(a.value);
    }
  };
  walk(m.graph);
}

/** Every value an original node produced and something reads is still produced under the same name. */
function assertNamesKept(orig: Model, canon: Model): void {
  const produced = (g: Graph, into: Set<string>) => {
    for (const n of g.nodes) {
      for (const o of n.outputs) if (o) into.add(o);
      for (const a of n.attributes.values()) if (a.type === 'graph') produced(a.value, into);
    }
    return into;
  };
  const read = (g: Graph, into: Set<string>) => {
    for (const o of g.outputs) into.add(o.name);
    for (const n of g.nodes) {
      for (const i of n.inputs) if (i) into.add(i);
      for (const a of n.attributes.values()) if (a.type === 'graph') read(a.value, into);
    }
    return into;
  };
  const before = produced(orig.graph, new Set());
  const used = read(orig.graph, new Set());
  const after = produced(canon.graph, new Set());
  for (const name of before) if (used.has(name)) expect({ name, kept: after.has(name) }).toEqual({ name, kept: true });
}

/** Canonicalizes m, checks the form, runs both in ORT and compares every graph output. */
async function expectEquivalent(m: Model, opts: { feeds?: Record<string, HostTensor>; tol?: number; seed?: number } = {}) {
  const before = encodeModel(m);
  const res = canonicalize(m);
  expect(Buffer.from(encodeModel(m)).equals(Buffer.from(before))).toBe(true); // input not mutated
  assertCanonical(res.model);
  assertNamesKept(m, res.model);
  const feeds = opts.feeds ?? randomFeeds(m, opts.seed);
  const want = await run(m, feeds);
  const got = await run(res.model, feeds);
  for (const o of m.graph.outputs) expectClose(o.name, got[o.name], want[o.name], opts.tol);
  return res;
}

/** Canonicalizes m and compares its ORT outputs with expected values (for source opsets ORT cannot run). */
async function expectValues(m: Model, feeds: Record<string, HostTensor>, want: Record<string, HostTensor>) {
  const res = canonicalize(m);
  assertCanonical(res.model);
  assertNamesKept(m, res.model);
  const got = await run(res.model, feeds);
  for (const [k, t] of Object.entries(want)) expectClose(k, got[k], t);
  return res;
}

const host = (dims: number[], values: number[], dtype: DType = 'float32'): HostTensor => ({
  dtype, dims, data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values),
});

function nodesOf(m: Model): Node[] { return m.graph.nodes; }

// ------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------
describe('canonicalize — version table', () => {
  test('when an op changed meaning between some opset and 17 then a converter handles it', () => {
    const missing = opsNeedingConversion().filter((op) => !convertedOps().includes(op));
    expect(missing).toEqual([]);
  });

  test('when asked for since-versions then they follow the changelog', () => {
    expect(onnxSinceVersion('Softmax', 9)).toBe(1);
    expect(onnxSinceVersion('Softmax', 12)).toBe(11);
    expect(onnxSinceVersion('Softmax', 17)).toBe(13);
    expect(onnxSinceVersion('ReduceMean', 22)).toBe(18);
    expect(onnxSinceVersion('Gelu', 17)).toBeUndefined();
    expect(onnxSinceVersion('Gelu', 20)).toBe(20);
    expect(onnxSinceVersion('Pad', 21)).toBe(21);
  });
});

describe('canonicalize — upgrades from old opsets (ORT runs the original)', () => {
  test('when Squeeze/Unsqueeze carry axes attributes (opset 11) then axes become int64 inputs', async () => {
    const m = build({
      opset: 11,
      nodes: [
        node('Unsqueeze', ['x'], ['u'], { axes: [0, -1] }),
        node('Squeeze', ['u'], ['y'], { axes: [0, 3] }),
        node('Squeeze', ['x1'], ['z'], {}),
      ],
      inputs: [vi('x', [3, 4]), vi('x1', [1, 3, 1])],
      outputs: [vi('y'), vi('z')],
    });
    const { model } = await expectEquivalent(m);
    expect(nodesOf(model).find((n) => n.name === 'Squeeze_z')!.inputs).toEqual(['x1']);
  });

  test('when Unsqueeze is at opset 9 (no negative axes) then it converts too', async () => {
    await expectEquivalent(one(9, 'Unsqueeze', [vi('x', [2, 3])], { axes: [0, 2] }));
  });

  test('when ReduceSum has an axes attribute (opset 11) then axes become an input', async () => {
    await expectEquivalent(one(11, 'ReduceSum', [vi('x', [2, 3, 4])], { axes: [1, -1], keepdims: 0 }));
    await expectEquivalent(one(9, 'ReduceSum', [vi('x', [2, 3, 4])], { keepdims: 1 }));
  });

  test('when Split has a split attribute (opset 11) or splits evenly (opset 9) then the opset-13 form matches', async () => {
    await expectEquivalent(one(11, 'Split', [vi('x', [2, 7])], { axis: 1, split: [2, 5] }, [vi('a'), vi('b')]));
    await expectEquivalent(one(9, 'Split', [vi('x', [6, 3])], {}, [vi('a'), vi('b'), vi('c')]));
  });

  test('when Slice has starts/ends/axes attributes (opset 9) then they become inputs', async () => {
    await expectEquivalent(one(9, 'Slice', [vi('x', [4, 5, 6])], { starts: [1, -4], ends: [1000, -1], axes: [0, 2] }));
    await expectEquivalent(one(9, 'Slice', [vi('x', [4, 5])], { starts: [0, 1], ends: [2, 4] }));
  });

  test('when Pad has pads/value attributes (opset 9 and 2) then they become inputs', async () => {
    await expectEquivalent(one(9, 'Pad', [vi('x', [1, 2, 3, 3])], { pads: [0, 0, 1, 2, 0, 0, 2, 1], value: { f: 1.5 } }));
    await expectEquivalent(one(9, 'Pad', [vi('x', [1, 2, 3, 3])], { pads: [0, 0, 1, 2, 0, 0, 2, 1], mode: 'reflect' }));
    await expectEquivalent(one(9, 'Pad', [vi('x', [1, 2, 3, 3])], { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'edge' }));
    await expectEquivalent(one(9, 'Pad', [vi('x', [2, 3])], { pads: [1, 0, 0, 2] }));
  });

  test('when Clip has min/max attributes (opset 9) then they become typed scalar inputs', async () => {
    await expectEquivalent(one(9, 'Clip', [vi('x', [3, 4])], { min: { f: -0.5 }, max: { f: 0.75 } }));
    await expectEquivalent(one(9, 'Clip', [vi('x', [3, 4])], { max: { f: 0.25 } }));
    // ORT has no double Clip-6 kernel: the float64 constant is checked against computed values.
    const xs = [-3, -1.5, 0.5, 2];
    await expectValues(one(9, 'Clip', [vi('x', [4], 'float64')], { min: { f: -1 } }, [vi('y', undefined, 'float64')]),
      { x: host([4], xs, 'float64') }, { y: host([4], xs.map((v) => Math.max(v, -1)), 'float64') });
  });

  test('when Upsample (opsets 7 and 9) is used then the Resize-13 replacement matches', async () => {
    await expectEquivalent(one(7, 'Upsample', [vi('x', [1, 2, 3, 4])], { scales: { fs: [1, 1, 2, 3] }, mode: 'nearest' }));
    await expectEquivalent(one(9, 'Upsample', [vi('x', [1, 2, 3, 4]), ['s', f32([4], [1, 1, 2, 2])]], { mode: 'nearest' }));
    await expectEquivalent(one(9, 'Upsample', [vi('x', [1, 2, 3, 4]), ['s', f32([4], [1, 1, 2.5, 1.5])]], { mode: 'nearest' }));
    await expectEquivalent(one(9, 'Upsample', [vi('x', [1, 2, 3, 4]), ['s', f32([4], [1, 1, 2, 3])]], { mode: 'linear' }));
    await expectEquivalent(one(8, 'Upsample', [vi('x', [2, 3, 4, 5])], { scales: { fs: [1, 1, 1.5, 2] }, mode: 'linear' }));
  });

  test('when Resize-10 up- or downsamples then the asymmetric Resize-13 form matches ORT\'s opset-10 kernel', async () => {
    await expectEquivalent(one(10, 'Resize', [vi('x', [1, 2, 4, 6]), ['s', f32([4], [1, 1, 2, 1.5])]], { mode: 'nearest' }));
    await expectEquivalent(one(10, 'Resize', [vi('x', [1, 2, 8, 9]), ['s', f32([4], [1, 1, 0.5, 0.6])]], { mode: 'nearest' }));
    await expectEquivalent(one(10, 'Resize', [vi('x', [1, 2, 4, 6]), ['s', f32([4], [1, 1, 2, 0.5])]], { mode: 'linear' }));
  });

  test('when Resize-10 nearest mixes up- and downsampling then ModelError', () => {
    const m = one(10, 'Resize', [vi('x', [1, 2, 4, 6]), ['s', f32([4], [1, 1, 2, 0.5])]], { mode: 'nearest' });
    expect(() => canonicalize(m)).toThrow(/mixing upsampling and downsampling/);
  });

  test('when Resize-11 uses empty roi/scales, sizes, or tf_half_pixel_for_nn then the Resize-13 form matches', async () => {
    const empty = f32([0], []);
    await expectEquivalent(one(11, 'Resize', [vi('x', [1, 1, 3, 4]), ['roi', empty], ['sc', empty], ['sz', i64([1, 1, 7, 5])]], { mode: 'linear' }));
    await expectEquivalent(one(11, 'Resize', [vi('x', [1, 1, 3, 4]), ['roi', empty], ['sc', f32([4], [1, 1, 2.5, 1.75])]], { mode: 'nearest', coordinate_transformation_mode: 'align_corners' }));
    for (const nm of ['floor', 'round_prefer_floor']) {
      await expectEquivalent(one(11, 'Resize', [vi('x', [1, 1, 5, 7]), ['roi', empty], ['sc', f32([4], [1, 1, 2.6, 0.7])]], {
        mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: nm,
      }));
    }
    const bad = one(11, 'Resize', [vi('x', [1, 1, 5, 7]), ['roi', empty], ['sc', f32([4], [1, 1, 2, 2])]], {
      mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'ceil',
    });
    expect(() => canonicalize(bad)).toThrow(/tf_half_pixel_for_nn/);
  });

  test('when BatchNormalization is at opset 7/8 with spatial=1 then it converts; spatial=0 is rejected', async () => {
    const params = (c: number): [string, TensorValue][] => [
      ['scale', f32([c], Array.from({ length: c }, (_, i) => 0.5 + i))],
      ['bias', f32([c], Array.from({ length: c }, (_, i) => i - 1))],
      ['mean', f32([c], Array.from({ length: c }, (_, i) => 0.1 * i))],
      ['var', f32([c], Array.from({ length: c }, (_, i) => 1 + i))],
    ];
    const res = await expectEquivalent(one(8, 'BatchNormalization', [vi('x', [2, 3, 4, 4]), ...params(3)], { spatial: 1, epsilon: { f: 1e-3 }, momentum: { f: 0.9 } }));
    expect(res.notes.join('\n')).toMatch(/spatial/);
    await expectEquivalent(one(7, 'BatchNormalization', [vi('x', [2, 3, 4]), ...params(3)], {}));
    const bad = one(8, 'BatchNormalization', [vi('x', [2, 3, 4, 4]), ...params(3)], { spatial: 0 });
    expect(() => canonicalize(bad)).toThrow(ModelError);
    expect(() => canonicalize(bad)).toThrow(/spatial=0/);
  });

  test('when BatchNormalization < 14 has unused training outputs then they are dropped; used ones are rejected', async () => {
    const p: Record<string, TensorValue> = { s: f32([2], [1, 2]), b: f32([2], [0, 1]), mu: f32([2], [0, 0.5]), v: f32([2], [1, 2]) };
    const mk = (used: boolean) => build({
      opset: 9,
      nodes: [
        node('BatchNormalization', ['x', 's', 'b', 'mu', 'v'], ['y', 'rm', 'rv', 'sm', 'sv'], {}, 'bn'),
        ...(used ? [node('Identity', ['rm'], ['z'])] : []),
      ],
      inputs: [vi('x', [2, 2, 3])],
      outputs: [vi('y'), ...(used ? [vi('z')] : [])],
      inits: p,
      valueInfo: [vi('rm', [2])],
    });
    const { model } = canonicalize(mk(false));
    assertCanonical(model);
    expect(model.graph.nodes[0].outputs).toEqual(['y']);
    expect(model.graph.valueInfo.has('rm')).toBe(false);
    const got = await run(model, { x: host([2, 2, 3], Array.from({ length: 12 }, (_, i) => i / 3)) });
    const want: number[] = [];
    for (let n = 0; n < 2; n++) for (let ch = 0; ch < 2; ch++) for (let i = 0; i < 3; i++) {
      const x = (n * 6 + ch * 3 + i) / 3;
      want.push(([1, 2][ch] * (x - [0, 0.5][ch])) / Math.sqrt([1, 2][ch] + 1e-5) + [0, 1][ch]);
    }
    expectClose('y', got.y, host([2, 2, 3], want));
    expect(() => canonicalize(mk(true))).toThrow(/training-mode outputs/);
  });

  test('when Dropout has a ratio attribute (opsets 7, 10) then the opset-12 form matches in inference', async () => {
    await expectEquivalent(one(7, 'Dropout', [vi('x', [3, 4])], { ratio: { f: 0.3 } }));
    // The mask is compared against the opset-12 definition (all true in inference); ORT's
    // opset-10 kernel returns all false, so only y is compared with ORT.
    const m = build({
      opset: 10,
      nodes: [node('Dropout', ['x'], ['y', 'mask'], { ratio: { f: 0.3 } }, 'd')],
      inputs: [vi('x', [3, 4])],
      outputs: [vi('y'), vi('mask', [3, 4], 'bool')],
    });
    const feeds = randomFeeds(m);
    const { model } = canonicalize(m);
    assertCanonical(model);
    const got = await run(model, feeds);
    expectClose('y', got.y, (await run(m, feeds)).y);
    expect(Array.from(got.mask.data as Uint8Array).every((v) => v === 1)).toBe(true);
  });

  test('when Softmax/LogSoftmax/Hardmax < 13 coerce to 2-D then Flatten → op(axis=-1) → Reshape matches', async () => {
    for (const op of ['Softmax', 'LogSoftmax', 'Hardmax']) {
      for (const opset of [9, 11]) {
        await expectEquivalent(one(opset, op, [vi('x', [2, 3, 4, 5])], { axis: 1 }));
        await expectEquivalent(one(opset, op, [vi('x', [2, 3, 4])], {}));
        await expectEquivalent(one(opset, op, [vi('x', [2, 3, 4])], { axis: 0 }));
      }
      const { model } = await expectEquivalent(one(11, op, [vi('x', [2, 3, 4])], { axis: -2 }));
      expect(model.graph.nodes.map((n) => n.opType)).toContain('Flatten');
    }
  });

  test('when Softmax < 13 works on the last axis of a known rank then it stays one plain Softmax(axis=-1)', async () => {
    const { model } = await expectEquivalent(one(11, 'Softmax', [vi('x', [2, 10])], { axis: 1 }));
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(['Softmax']);
    expect(model.graph.nodes[0].attributes.get('axis')).toEqual({ type: 'int', value: -1 });
  });

  test('when the rank of a Softmax input is unknown then the Flatten/Reshape form is used', async () => {
    const m = build({
      opset: 9,
      nodes: [node('Relu', ['x'], ['r']), node('Softmax', ['r'], ['y'], { axis: 1 })],
      inputs: [vi('x', undefined)],
      outputs: [vi('y')],
    });
    const { model } = canonicalize(m);
    expect(model.graph.nodes.map((n) => n.opType)).toContain('Flatten');
    const feeds = { x: host([2, 3, 4], Array.from({ length: 24 }, (_, i) => Math.sin(i))) };
    expectClose('y', (await run(model, feeds)).y, (await run(m, feeds)).y);
  });

  test('when TopK has a k attribute (opset 9) then k becomes an input', async () => {
    await expectEquivalent(one(9, 'TopK', [vi('x', [3, 6])], { k: 2, axis: 1 }, [vi('v'), vi('i', [3, 2], 'int64')]));
  });

  test('when RoiAlign is at opset 10 then the old output_half_pixel behaviour is made explicit', async () => {
    const rois = f32([2, 4], [0, 0, 3, 3, 1, 0.5, 4, 3.5]);
    const idx = i64([0, 1]);
    const res = await expectEquivalent(one(10, 'RoiAlign', [vi('x', [2, 2, 6, 6]), ['rois', rois], ['idx', idx]], { output_height: 2, output_width: 3, sampling_ratio: 2 }));
    expect(res.model.graph.nodes[0].attributes.get('coordinate_transformation_mode')).toEqual({ type: 'string', value: 'output_half_pixel' });
  });

  test('when Gemm, MaxPool, AveragePool, Concat and Flatten are at opset 8 then they are kept as they are', async () => {
    const m = build({
      opset: 8,
      nodes: [
        node('MaxPool', ['x'], ['p'], { kernel_shape: [2, 2], strides: [2, 2], storage_order: 0 }),
        node('AveragePool', ['x'], ['a'], { kernel_shape: [2, 2], strides: [2, 2], count_include_pad: 0 }),
        node('Concat', ['p', 'a'], ['c'], { axis: 1 }),
        node('Flatten', ['c'], ['f'], { axis: 1 }),
        node('Gemm', ['f', 'w', 'b'], ['y'], { transB: 1 }),
      ],
      inputs: [vi('x', [2, 1, 4, 4])],
      outputs: [vi('y')],
      inits: { w: f32([3, 8], Array.from({ length: 24 }, (_, i) => Math.cos(i))), b: f32([3], [0.1, 0.2, 0.3]) },
    });
    await expectEquivalent(m);
  });
});

describe('canonicalize — upgrades from opsets ORT no longer runs (< 7): checked against computed values', () => {
  const x23 = Array.from({ length: 24 }, (_, i) => (i - 11) / 4);

  test('when Add/Mul (opset 6) broadcast at an axis then B is reshaped for numpy broadcasting', async () => {
    // A [2,3,4], B [3] with axis=1: B aligns with dim 1.
    const b = [10, 20, 30];
    for (const bAsInput of [false, true]) {
      const m = build({
        opset: 6,
        nodes: [node('Add', ['x', 'b'], ['y'], { broadcast: 1, axis: 1 }), node('Mul', ['x', 'b'], ['z'], { broadcast: 1, axis: 1 })],
        inputs: [vi('x', [2, 3, 4]), ...(bAsInput ? [vi('b', [3])] : [])],
        outputs: [vi('y'), vi('z')],
        inits: bAsInput ? {} : { b: f32([3], b) },
      });
      const want = (f: (x: number, b: number) => number) => x23.map((x, i) => f(x, b[Math.floor(i / 4) % 3]));
      const feeds: Record<string, HostTensor> = { x: host([2, 3, 4], x23), ...(bAsInput ? { b: host([3], b) } : {}) };
      await expectValues(m, feeds, { y: host([2, 3, 4], want((x, y) => x + y)), z: host([2, 3, 4], want((x, y) => x * y)) });
    }
  });

  test('when Sub (opset 6) broadcasts without axis then suffix matching is kept as numpy broadcasting', async () => {
    const m = build({
      opset: 6,
      nodes: [node('Sub', ['x', 'b'], ['y'], { broadcast: 1 })],
      inputs: [vi('x', [2, 3, 4])],
      outputs: [vi('y')],
      inits: { b: f32([4], [1, 2, 3, 4]) },
    });
    await expectValues(m, { x: host([2, 3, 4], x23) }, { y: host([2, 3, 4], x23.map((x, i) => x - [1, 2, 3, 4][i % 4])) });
  });

  test('when legacy broadcast at an axis meets an operand of unknown rank then ModelError', () => {
    const m = build({
      opset: 6,
      nodes: [node('Add', ['x', 'b'], ['y'], { broadcast: 1, axis: 1 })],
      inputs: [vi('x', undefined), vi('b', undefined)],
      outputs: [vi('y')],
    });
    expect(() => canonicalize(m)).toThrow(/needs the ranks/);
  });

  test('when Cast has a string `to` (opset 5) then it becomes the data-type code', async () => {
    const m = one(5, 'Cast', [vi('x', [4])], { to: 'DOUBLE' }, [vi('y', [4], 'float64')]);
    const xs = [0.1, -2.5, 3, 7.25];
    await expectValues(m, { x: host([4], xs) }, { y: host([4], Array.from(Float32Array.from(xs)), 'float64') });
  });

  test('when Concat has no axis (opset 3) then axis 1 is made explicit', async () => {
    const m = build({ opset: 3, nodes: [node('Concat', ['a', 'b'], ['y'])], inputs: [vi('a', [2, 1]), vi('b', [2, 2])], outputs: [vi('y')] });
    const res = await expectValues(m, { a: host([2, 1], [1, 2]), b: host([2, 2], [3, 4, 5, 6]) }, { y: host([2, 3], [1, 3, 4, 2, 5, 6]) });
    expect(res.model.graph.nodes[0].attributes.get('axis')).toEqual({ type: 'int', value: 1 });
  });

  test('when nodes carry consumed_inputs and Reshape a shape attribute (opset 4) then both are converted', async () => {
    const m = build({
      opset: 4,
      nodes: [node('Relu', ['x'], ['r'], { consumed_inputs: [0] }), node('Reshape', ['r'], ['y'], { shape: [3, -1], consumed_inputs: [0] })],
      inputs: [vi('x', [2, 3])],
      outputs: [vi('y')],
    });
    const xs = [-1, 2, -3, 4, -5, 6];
    const res = await expectValues(m, { x: host([2, 3], xs) }, { y: host([3, 2], xs.map((v) => Math.max(0, v))) });
    expect(res.notes.join('\n')).toMatch(/consumed_inputs/);
  });

  test('when BatchNormalization (opset 6) has is_test=0 then it runs as inference with a note', async () => {
    const m = one(6, 'BatchNormalization', [vi('x', [1, 2, 2]), ['s', f32([2], [1, 1])], ['b', f32([2], [0, 0])], ['m', f32([2], [1, -1])], ['v', f32([2], [4, 4])]], { is_test: 0, consumed_inputs: [0, 0, 0, 1, 1] });
    const res = await expectValues(m, { x: host([1, 2, 2], [1, 3, -1, 1]) }, { y: host([1, 2, 2], [0, 2, 0, 2].map((v) => v / Math.sqrt(4 + 1e-5))) });
    expect(res.notes.join('\n')).toMatch(/is_test=0/);
  });

  test('when PRelu (opset 6) has a 1-D slope then it applies per channel', async () => {
    const m = one(6, 'PRelu', [vi('x', [1, 2, 2, 1]), ['slope', f32([2], [0.5, 0.25])]], {});
    await expectValues(m, { x: host([1, 2, 2, 1], [-2, 2, -4, 4]) }, { y: host([1, 2, 2, 1], [-1, 2, -1, 4]) });
  });

  test('when ImageScaler (experimental, opset 8) is used then Mul/Add reproduce it', async () => {
    const m = one(8, 'ImageScaler', [vi('x', [1, 2, 1, 2])], { scale: { f: 0.5 }, bias: { fs: [1, -1] } });
    await expectValues(m, { x: host([1, 2, 1, 2], [2, 4, 6, 8]) }, { y: host([1, 2, 1, 2], [2, 3, 2, 3]) });
  });
});

describe('canonicalize — downgrades from opsets 18-22 (ORT runs the original)', () => {
  const REDUCE = ['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];

  test('when Reduce* (opset 18) take constant axes inputs then axes become attributes', async () => {
    for (const op of REDUCE) {
      const m = one(18, op, [vi('x', [2, 3, 4]), ['axes', i64([1, -1])]], { keepdims: 0 });
      const { model } = await expectEquivalent(m, { seed: 3 });
      expect(model.graph.initializers.has('axes')).toBe(false);
    }
    await expectEquivalent(one(20, 'ReduceMax', [vi('x', [2, 3, 4]), ['axes', i64([0])]], {}));
  });

  test('when Reduce axes come from a Constant node then they are read from it', async () => {
    const m = build({
      opset: 18,
      nodes: [node('Constant', [], ['ax'], { value: { t: i64([2]) } }), node('ReduceMean', ['x', 'ax'], ['y'], { keepdims: 1 })],
      inputs: [vi('x', [2, 3, 4])],
      outputs: [vi('y')],
    });
    await expectEquivalent(m);
  });

  test('when Reduce has no axes then it reduces everything, or is an Identity with noop_with_empty_axes', async () => {
    await expectEquivalent(one(18, 'ReduceMean', [vi('x', [2, 3])], { keepdims: 0 }));
    for (const op of REDUCE) await expectEquivalent(one(18, op, [vi('x', [2, 3])], { noop_with_empty_axes: 1 }));
    const { model } = await expectEquivalent(one(18, 'ReduceMean', [vi('x', [2, 3]), ['ax', i64([])]], { noop_with_empty_axes: 1 }));
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(['Identity']);
  });

  test('when Reduce axes are computed at run time then ModelError names op, node and opset', () => {
    const m = one(18, 'ReduceMean', [vi('x', [2, 3]), vi('axes', [1], 'int64')], {});
    expect(() => canonicalize(m)).toThrow(ModelError);
    expect(() => canonicalize(m)).toThrow(/ReduceMean node 'n' \(opset 18\).*not a constant/);
  });

  test('when Split (opset 18) uses num_outputs then evenly it is dropped and unevenly (static axis) sizes are explicit', async () => {
    await expectEquivalent(one(18, 'Split', [vi('x', [2, 6])], { axis: 1, num_outputs: 3 }, [vi('a'), vi('b'), vi('c')]));
    const { model } = await expectEquivalent(one(18, 'Split', [vi('x', [2, 7])], { axis: -1, num_outputs: 3 }, [vi('a'), vi('b'), vi('c')]));
    expect(model.graph.nodes[0].inputs.length).toBe(2);
  });

  test('when Pad (opset 18/19/21) has an axes input then the full pads vector matches', async () => {
    await expectEquivalent(one(18, 'Pad', [vi('x', [1, 2, 3, 4]), ['p', i64([1, 2, 0, 3])], ['cv', f32([], [0.5])], ['ax', i64([2, -1])]], {}));
    await expectEquivalent(one(19, 'Pad', [vi('x', [2, 3]), ['p', i64([1, 1])], '', ['ax', i64([1])]], { mode: 'reflect' }));
    await expectEquivalent(one(21, 'Pad', [vi('x', [2, 3]), ['p', i64([0, 1, 1, 0])]], { mode: 'edge' }));
  });

  test('when Pad cannot be expressed at opset 17 then ModelError', () => {
    expect(() => canonicalize(one(19, 'Pad', [vi('x', [2, 3]), ['p', i64([1, 1, 1, 1])]], { mode: 'wrap' }))).toThrow(/wrap/);
    expect(() => canonicalize(one(18, 'Pad', [vi('x', undefined), ['p', i64([1, 1])], '', ['ax', i64([0])]], {}))).toThrow(/rank/);
  });

  test('when Resize (opset 18/19) uses axes then full-rank scales/sizes match', async () => {
    await expectEquivalent(one(18, 'Resize', [vi('x', [1, 2, 3, 4]), '', ['s', f32([2], [2, 1.5])]], { axes: [2, 3], mode: 'linear' }));
    await expectEquivalent(one(19, 'Resize', [vi('x', [1, 2, 3, 4]), '', '', ['sz', i64([5, 7])]], { axes: [-2, -1], mode: 'nearest' }));
    await expectEquivalent(one(19, 'Resize', [vi('x', undefined), '', ['s', f32([2], [2, 3])]], { axes: [2, 3], mode: 'nearest' }), {
      feeds: { x: host([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]) },
    });
    await expectEquivalent(one(19, 'Resize', [vi('x', [1, 2, 3, 4]), '', ['s', f32([4], [1, 1, 2, 2])]], { mode: 'cubic', coordinate_transformation_mode: 'pytorch_half_pixel' }));
  });

  test('when Resize uses antialias, half_pixel_symmetric or a non-stretch policy with sizes then ModelError', () => {
    const s = ['s', f32([4], [1, 1, 0.5, 0.5])] as [string, TensorValue];
    expect(() => canonicalize(one(18, 'Resize', [vi('x', [1, 1, 4, 4]), '', s], { antialias: 1, mode: 'linear' }))).toThrow(/antialias/);
    expect(() => canonicalize(one(19, 'Resize', [vi('x', [1, 1, 4, 4]), '', s], { coordinate_transformation_mode: 'half_pixel_symmetric' }))).toThrow(/half_pixel_symmetric/);
    expect(() => canonicalize(one(18, 'Resize', [vi('x', [1, 1, 4, 4]), '', '', ['sz', i64([1, 1, 2, 3])]], { keep_aspect_ratio_policy: 'not_larger' }))).toThrow(/keep_aspect_ratio_policy/);
  });

  test('when AveragePool (opset 19) has unit dilations then they are dropped; other dilations are rejected', async () => {
    await expectEquivalent(one(19, 'AveragePool', [vi('x', [1, 2, 5, 5])], { kernel_shape: [2, 2], dilations: [1, 1], pads: [1, 1, 0, 0] }));
    expect(() => canonicalize(one(19, 'AveragePool', [vi('x', [1, 2, 5, 5])], { kernel_shape: [2, 2], dilations: [2, 2] }))).toThrow(/dilations/);
  });

  test('when Cast (opset 19/21) carries saturate then it is dropped', async () => {
    await expectEquivalent(one(19, 'Cast', [vi('x', [5])], { to: 11, saturate: 1 }, [vi('y', [5], 'float64')]));
    await expectEquivalent(one(21, 'Cast', [vi('x', [5])], { to: 7 }, [vi('y', [5], 'int64')]));
    expect(() => canonicalize(one(19, 'Cast', [vi('x', [5])], { to: 17 }, [vi('y', [5], 'float32')]))).toThrow(/float8/);
  });

  test('when QuantizeLinear/DequantizeLinear are at opset 19/21 then the opset-13 form matches', async () => {
    const m = build({
      opset: 21,
      nodes: [
        node('QuantizeLinear', ['x', 's', 'zp'], ['q'], { axis: 1, block_size: 0, saturate: 1 }),
        node('DequantizeLinear', ['q', 's', 'zp'], ['y'], { axis: 1, block_size: 0 }),
        node('QuantizeLinear', ['x', 's1'], ['q2'], { output_dtype: 3 }),
        node('DequantizeLinear', ['q2', 's1'], ['y2'], {}),
      ],
      inputs: [vi('x', [2, 3])],
      outputs: [vi('y'), vi('y2')],
      inits: { s: f32([3], [0.01, 0.02, 0.05]), zp: { dtype: 'uint8', dims: [3], data: Uint8Array.from([128, 100, 3]) }, s1: f32([], [0.02]) },
    });
    await expectEquivalent(m);
    expect(() => canonicalize(one(21, 'DequantizeLinear', [vi('x', [2, 4], 'int8' as DType), ['s', f32([2, 1], [0.1, 0.2])]], { block_size: 4 }))).toThrow(/block_size/);
  });

  test('when Gelu (opset 20) is used then the erf and tanh decompositions match ORT', async () => {
    await expectEquivalent(one(20, 'Gelu', [vi('x', [4, 25])], {}));
    await expectEquivalent(one(20, 'Gelu', [vi('x', [4, 25])], { approximate: 'tanh' }));
  });

  test('when Mish (opset 18) is used then x·tanh(softplus(x)) matches ORT', async () => {
    await expectEquivalent(one(18, 'Mish', [vi('x', [3, 7])], {}));
  });

  test('when GroupNormalization (opset 18: per-group, 21: per-channel scale) is used then the decomposition matches ORT', async () => {
    const g18 = one(18, 'GroupNormalization', [vi('x', [2, 6, 3, 2]), ['sc', f32([3], [0.5, 1, 2])], ['bi', f32([3], [0, 1, -1])]], { num_groups: 3, epsilon: { f: 1e-3 } });
    await expectEquivalent(g18);
    const g21 = one(21, 'GroupNormalization', [vi('x', [2, 6, 3, 2]), ['sc', f32([6], [0.5, 1, 2, 1.5, -1, 0.25])], ['bi', f32([6], [0, 1, -1, 2, 0.5, 0])]], { num_groups: 2 });
    await expectEquivalent(g21);
  });

  test('when ops were only re-typed in 18-22 (Identity, Reshape, Shape, Flatten, Transpose, Constant, Conv, Equal) then they are kept', async () => {
    const m = build({
      opset: 22,
      nodes: [
        node('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node('Transpose', ['c'], ['t'], { perm: [0, 2, 3, 1] }),
        node('Constant', [], ['shape'], { value: { t: i64([2, -1]) } }),
        node('Reshape', ['t', 'shape'], ['r']),
        node('Identity', ['r'], ['y']),
        node('Shape', ['x'], ['s']),
        node('Flatten', ['x'], ['f'], { axis: 2 }),
        node('Equal', ['s', 's'], ['e']),
      ],
      inputs: [vi('x', [2, 1, 4, 4])],
      outputs: [vi('y'), vi('f'), vi('e', [4], 'bool')],
      inits: { w: f32([2, 1, 3, 3], Array.from({ length: 18 }, (_, i) => Math.sin(i))) },
    });
    const { model } = await expectEquivalent(m);
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(m.graph.nodes.map((n) => n.opType));
  });

  test('when LpPool (opset 18) has default dilations/ceil_mode then it is kept; ceil_mode=1 is rejected', async () => {
    await expectEquivalent(one(18, 'LpPool', [vi('x', [1, 2, 5, 5])], { kernel_shape: [2, 2], p: 2, dilations: [1, 1], ceil_mode: 0 }));
    expect(() => canonicalize(one(18, 'LpPool', [vi('x', [1, 2, 5, 5])], { kernel_shape: [2, 2], ceil_mode: 1 }))).toThrow(/ceil_mode/);
  });

  test('when GridSample (opset 20) uses the new mode names then the opset-16 names match', async () => {
    const grid = f32([1, 2, 3, 2], [-1, -1, 0.3, -0.5, 0.9, 0.2, -0.2, 0.7, 0.5, 0.5, 1, 1]);
    for (const mode of ['linear', 'nearest', 'cubic']) {
      await expectEquivalent(one(20, 'GridSample', [vi('x', [1, 2, 4, 5]), ['grid', grid]], { mode, align_corners: 0 }));
    }
  });

  test('when DFT (opset 20) takes its axis as an input then it becomes the opset-17 attribute', async () => {
    await expectEquivalent(one(20, 'DFT', [vi('x', [2, 8, 1]), '', ['ax', i64([1], [])]], {}));
    await expectEquivalent(one(20, 'DFT', [vi('x', [2, 8, 2])], { inverse: 1 }));
  });

  test('when Scatter (opset 9, deprecated) is used then ScatterElements matches; max/min reductions (18) are rejected', async () => {
    const m = one(9, 'Scatter', [vi('x', [3, 3]), ['idx', i64([1, 0, 2, 0, 2, 1], [2, 3])], ['upd', f32([2, 3], [1, 2, 3, 4, 5, 6])]], { axis: 0 });
    const { model } = await expectEquivalent(m);
    expect(model.graph.nodes[0].opType).toBe('ScatterElements');
    const r = one(18, 'ScatterElements', [vi('x', [3]), ['idx', i64([0])], ['upd', f32([1], [1])]], { reduction: 'max' });
    expect(() => canonicalize(r)).toThrow(/reduction='max'/);
  });

  test('when an op has no opset-17 counterpart (Col2Im, CenterCropPad, BitwiseAnd) then ModelError names it', () => {
    const m = one(18, 'CenterCropPad', [vi('x', [4, 4]), ['shape', i64([2, 2])]], {});
    expect(() => canonicalize(m)).toThrow(/CenterCropPad node 'n' \(opset 18\).*no opset-17 equivalent/);
    expect(() => canonicalize(one(18, 'BitwiseAnd', [vi('a', [2], 'int32'), vi('b', [2], 'int32')], {}))).toThrow(/BitwiseAnd/);
  });
});

describe('canonicalize — model-level behaviour', () => {
  test('when a node is in a custom domain then ModelError names domain, op and node', () => {
    const m = build({
      opset: 13,
      nodes: [node('FusedConv', ['x'], ['y'], {}, 'fc', 'com.microsoft')],
      inputs: [vi('x', [1])],
      outputs: [vi('y')],
      domains: [['com.microsoft', 1]],
    });
    expect(() => canonicalize(m)).toThrow("custom operator domain 'com.microsoft' (op FusedConv, node 'fc') is not supported");
    const ml = build({
      opset: 13,
      nodes: [node('LinearClassifier', ['x'], ['y'], {}, 'lc', 'ai.onnx.ml')],
      inputs: [vi('x', [1])],
      outputs: [vi('y')],
      domains: [['ai.onnx.ml', 1]],
    });
    expect(() => canonicalize(ml)).toThrow("custom operator domain 'ai.onnx.ml' (op LinearClassifier, node 'lc') is not supported");
  });

  test('when probe shapes give the rank of an undeclared value then Softmax < 13 on its last axis stays plain', async () => {
    const m = build({
      opset: 11,
      nodes: [node('Relu', ['x'], ['r']), node('Softmax', ['r'], ['y'], { axis: 2 })],
      inputs: [vi('x', undefined)],
      outputs: [vi('y')],
    });
    const shapes = new Map([['r', { dtype: 'float32' as DType, shape: [2, 3, 4] }]]);
    const { model } = canonicalize(m, { shapes });
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(['Relu', 'Softmax']);
    const feeds = { x: host([2, 3, 4], Array.from({ length: 24 }, (_, i) => Math.cos(i))) };
    expectClose('y', (await run(model, feeds)).y, (await run(m, feeds)).y);
  });

  test('when an unused domain is imported then it is dropped from the opset imports', async () => {
    const m = build({ opset: 13, nodes: [node('Relu', ['x'], ['y'])], inputs: [vi('x', [3])], outputs: [vi('y')], domains: [['ai.onnx.ml', 2]] });
    const res = await expectEquivalent(m);
    expect(res.notes.join('\n')).toMatch(/ai\.onnx\.ml/);
  });

  test('when the declared opset is newer than 22 then ModelError', () => {
    expect(() => canonicalize(one(23, 'Relu', [vi('x', [2])]))).toThrow(/opset 23 is newer than opset 22/);
  });

  test('when the model is already at opset 17 then nodes are unchanged and the IR version is at least 8', async () => {
    const m = build({ opset: 17, ir: 7, nodes: [node('Softmax', ['x'], ['y'], { axis: 1 })], inputs: [vi('x', [2, 3, 4])], outputs: [vi('y')] });
    const res = await expectEquivalent(m);
    expect(res.model.graph.nodes).toEqual(m.graph.nodes);
    expect(res.model.irVersion).toBe(8);
  });

  test('when helper values are created then their names do not collide with existing ones', async () => {
    // Existing values named like the helpers the converter would make.
    const m = build({
      opset: 11,
      nodes: [
        node('Identity', ['x'], ['n/Flatten_0']),
        node('Softmax', ['n/Flatten_0'], ['y'], { axis: 1 }, 'n'),
        node('Identity', ['y'], ['canonical/int64_1']),
      ],
      inputs: [vi('x', [2, 3, 4])],
      outputs: [vi('canonical/int64_1')],
    });
    const { model } = await expectEquivalent(m);
    const outs = model.graph.nodes.flatMap((n) => n.outputs);
    expect(new Set(outs).size).toBe(outs.length);
  });

  test('when an If branch (opset 9) holds old-form nodes then the subgraphs are canonicalized too', async () => {
    const thenG = graph('then', [
      node('Squeeze', ['x'], ['sq'], { axes: [0] }, 't_sq'),
      node('Softmax', ['sq'], ['t_out'], { axis: 0 }, 't_sm'),
    ], [], [vi('t_out')]);
    const elseG = graph('else', [
      node('ReduceSum', ['x'], ['rs'], { axes: [0], keepdims: 0 }, 'e_rs'),
      node('Clip', ['rs'], ['e_out'], { min: { f: 0 }, max: { f: 1 } }, 'e_clip'),
    ], [], [vi('e_out')]);
    const m = build({
      opset: 9,
      nodes: [node('If', ['cond'], ['y'], { then_branch: { g: thenG }, else_branch: { g: elseG } }, 'if')],
      inputs: [vi('cond', [], 'bool'), vi('x', [1, 3, 4])],
      outputs: [vi('y')],
    });
    for (const c of [0, 1]) {
      await expectEquivalent(m, { feeds: { ...randomFeeds(m, 5), cond: { dtype: 'bool', dims: [], data: Uint8Array.from([c]) } } });
    }
  });
});

// ------------------------------------------------------------------------------------------
// Real models
// ------------------------------------------------------------------------------------------
const VNNCOMP = path.resolve(__dirname, '../../../../shared/data/vnncomp');
const vnnModels = fs.existsSync(VNNCOMP)
  ? fs.readdirSync(VNNCOMP).flatMap((d) => {
    const dir = path.join(VNNCOMP, d, 'onnx');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).map((f) => path.join(d, 'onnx', f)) : [];
  })
  : [];
const describeVnn = vnnModels.length > 0 ? describe : describe.skip;

describeVnn('canonicalize — VNN-COMP models (opset 9 PyTorch exports; skipped when ../shared/data/vnncomp is absent)', () => {
  test.each(vnnModels)('when %s is canonicalized then ORT outputs are unchanged', async (file) => {
    const m = decodeModel(fs.readFileSync(path.join(VNNCOMP, file)));
    const res = await expectEquivalent(m, { seed: 11 });
    expect(res.model.graph.outputs.map((o) => o.name)).toEqual(m.graph.outputs.map((o) => o.name));
  });
});

const FIXTURES = path.resolve(__dirname, '../../../fixtures/models');
const fixtureModels = ['matlab_opset8.onnx', 'cnn_softmax.onnx', 'cnn.onnx', 'resnet.onnx', 'tf_nhwc.onnx'].filter((f) => fs.existsSync(path.join(FIXTURES, f)));
const describeFixtures = fixtureModels.length > 0 ? describe : describe.skip;

describeFixtures('canonicalize — project fixture models (skipped when fixtures/models is absent)', () => {
  test.each(fixtureModels)('when fixtures/models/%s is canonicalized then ORT outputs are unchanged', async (file) => {
    const m = decodeModel(fs.readFileSync(path.join(FIXTURES, file)));
    await expectEquivalent(m, { seed: 13 });
  });
});
