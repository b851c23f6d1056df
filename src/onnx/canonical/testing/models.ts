/**
 * Test helpers for canonicalize: a small model builder, random feeds, and the checks every
 * conversion test uses (canonical form, names kept, ORT equivalence with the original, or agreement
 * with values computed by hand where ORT no longer runs the source opset).
 */
import { Attribute, DType, Graph, Model, Node, TensorValue, ValueInfo, numel } from '../../ir';
import { canonicalize, CANONICAL_OPSET, onnxSinceVersion } from '..';
import { encodeModel } from '../../encode';
import { Session } from '../../../runtime/session';
import { HostData, HostTensor } from '../../../runtime/tensor';
import { rng } from '../../../autodiff/testing/gradcheck';

// ------------------------------------------------------------------------------------------
// Model builder
// ------------------------------------------------------------------------------------------
export type AttrIn = number | string | number[] | { f: number } | { fs: number[] } | { t: TensorValue } | { g: Graph };

export function toAttr(v: AttrIn): Attribute {
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) return { type: 'ints', value: v };
  if ('f' in v) return { type: 'float', value: v.f };
  if ('fs' in v) return { type: 'floats', value: v.fs };
  if ('t' in v) return { type: 'tensor', value: v.t };
  return { type: 'graph', value: v.g };
}

export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrIn> = {}, name?: string, domain = ''): Node {
  const attributes = new Map<string, Attribute>();
  for (const [k, v] of Object.entries(attrs)) attributes.set(k, toAttr(v));
  return { name: name ?? `${opType}_${outputs[0]}`, opType, domain, inputs, outputs, attributes };
}

export const f32 = (dims: number[], values: number[]): TensorValue => ({ dtype: 'float32', dims, data: Float32Array.from(values) });
export const i64 = (values: number[], dims = [values.length]): TensorValue => ({ dtype: 'int64', dims, data: BigInt64Array.from(values.map(BigInt)) });
export const vi = (name: string, shape?: (number | string | null)[], dtype: DType = 'float32'): ValueInfo => ({ name, dtype, shape });

export interface Spec {
  opset: number;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  inits?: Record<string, TensorValue>;
  valueInfo?: ValueInfo[];
  ir?: number;
  domains?: [string, number][];
}

export function graph(name: string, nodes: Node[], inputs: ValueInfo[], outputs: ValueInfo[], inits: Record<string, TensorValue> = {}, valueInfo: ValueInfo[] = []): Graph {
  return {
    name, nodes, inputs, outputs,
    initializers: new Map(Object.entries(inits)),
    valueInfo: new Map(valueInfo.map((v) => [v.name, v])),
  };
}

export function build(s: Spec): Model {
  return {
    irVersion: s.ir ?? (s.opset <= 8 ? 3 : s.opset <= 10 ? 5 : s.opset <= 14 ? 7 : s.opset <= 18 ? 8 : s.opset <= 20 ? 9 : 10),
    opsetImports: new Map([['', s.opset], ...(s.domains ?? [])]),
    producerName: 'canonical.test',
    producerVersion: '',
    graph: graph('g', s.nodes, s.inputs, s.outputs, s.inits, s.valueInfo),
  };
}

/** A one-node model: data inputs become graph inputs (shapes given), constants initializers. */
export function one(opset: number, opType: string, inputs: (ValueInfo | [string, TensorValue] | '')[], attrs: Record<string, AttrIn> = {}, outputs: ValueInfo[] = [vi('y')]): Model {
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
export function randomData(dtype: DType, n: number, rand: () => number, lo = -2, hi = 2): HostData {
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

export function randomFeeds(m: Model, seed = 7, overrides: Record<string, HostTensor> = {}): Record<string, HostTensor> {
  const rand = rng(seed);
  const feeds: Record<string, HostTensor> = {};
  for (const inp of m.graph.inputs) {
    if (overrides[inp.name]) { feeds[inp.name] = overrides[inp.name]; continue; }
    const dims = (inp.shape ?? []).map((d) => (typeof d === 'number' ? d : 2));
    feeds[inp.name] = { dtype: inp.dtype, dims, data: randomData(inp.dtype, numel(dims), rand) };
  }
  return feeds;
}

export async function run(m: Model, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
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
export function expectClose(name: string, got: HostTensor, want: HostTensor, tol = 1e-6): void {
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
export const NEWER_THAN_17 = new Set([
  'Gelu', 'GroupNormalization', 'Mish', 'CenterCropPad', 'Col2Im', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitwiseNot',
  'DeformConv', 'AffineGrid', 'ImageDecoder', 'RegexFullMatch', 'StringConcat', 'StringSplit', 'Attention',
  'RMSNormalization', 'RotaryEmbedding', 'TensorScatter', 'Swish',
]);
export const REMOVED = new Set([
  'Upsample', 'Scatter', 'ImageScaler', 'Crop', 'ScaledTanh', 'Affine', 'ParametricSoftplus', 'Scale', 'ATen',
  'ConstantFill', 'GivenTensorFill', 'GRUUnit', 'DynamicSlice',
]);
/** Attributes that exist only in pre-17 or post-17 versions of an op. */
export const FOREIGN_ATTRS: Record<string, string[]> = {
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
export function assertCanonical(m: Model): void {
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
export function assertNamesKept(orig: Model, canon: Model): void {
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
export async function expectEquivalent(m: Model, opts: { feeds?: Record<string, HostTensor>; tol?: number; seed?: number } = {}) {
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
export async function expectValues(m: Model, feeds: Record<string, HostTensor>, want: Record<string, HostTensor>) {
  const res = canonicalize(m);
  assertCanonical(res.model);
  assertNamesKept(m, res.model);
  const got = await run(res.model, feeds);
  for (const [k, t] of Object.entries(want)) expectClose(k, got[k], t);
  return res;
}

export const host = (dims: number[], values: number[], dtype: DType = 'float32'): HostTensor => ({
  dtype, dims, data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values),
});

export function nodesOf(m: Model): Node[] { return m.graph.nodes; }
