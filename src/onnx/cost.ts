/**
 * Static cost of one sample through a model, estimated from the graph before anything runs it:
 * floating-point operations (MatMul/Gemm 2·M·K·N, Conv 2·out·Cin/g·∏kernel, ConvTranspose
 * 2·in·Cout/g·∏kernel, one per output element for everything else) and the largest tensor any node
 * produces, and the bytes of every tensor that does not depend on the input (initializers and what
 * nodes compute from them): ONNX Runtime folds those when it creates the session and holds them
 * for its life, so sixty-four 64 MiB Expand outputs cost 4 GiB before a sample runs. Shapes propagate from the declared input (batch dimension set to 1), initializers and
 * Constant nodes; small integer constants are folded so that shapes built at run time
 * (ConstantOfShape, Expand, Tile, Reshape, Range of constants) are known: a 100 KB file whose
 * MatMul chain works on tensors it creates itself is sized before ONNX Runtime allocates them.
 *
 * An op whose shape cannot be derived contributes nothing: the estimate is a lower bound, and the
 * OS memory cap on the inspecting process stays the backstop.
 */
import { ModelError } from '../errors';
import { attrInt, DType, Graph, itemSize, Model, Node, numel, TensorValue, elementAsNumber } from './ir';

/** Largest constant folded to compute shapes (elements). */
const MAX_FOLDED_ELEMENTS = 64;

/** What running one sample through the model costs, by static estimate. */
export interface CostEstimate {
  /** Floating-point operations for one sample (forward pass). */
  flopsPerSample: number;
  /** Largest tensor a node outputs for one sample, bytes. */
  largestTensorBytes: number;
  /** Node that produces the largest tensor, as "OpType 'name'" (empty when none is known). */
  largestTensorNode: string;
  /** Node with the most FLOPs, as "OpType 'name'". */
  costliestNode: string;
  /** Nodes whose output shapes could not be derived (their cost is not counted). */
  unknownNodes: number;
  /** Bytes of initializers and of node outputs computed from constants only (held by the session). */
  constantBytes: number;
}

/** Limits checked by checkModelCost. */
export interface CostLimits {
  /** Largest forward cost of one sample, GFLOPs. */
  maxGflopsPerSample: number;
  /** Largest tensor one node may produce for one sample, bytes. */
  maxTensorBytes: number;
  /** Largest sum of constant tensors (initializers and constant-folded outputs), bytes (absent: not checked). */
  maxConstantBytes?: number;
}

interface Known {
  dtype: DType;
  shape: number[];
  /** Folded values of a small constant. */
  values?: number[];
}

/** Ops whose outputs are never folded into constants, although their inputs are constant. */
const RANDOM = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Bernoulli', 'Multinomial']);

const ELEMENTWISE_BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Where', 'Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor', 'PRelu', 'Mod', 'BitShift']);
const SAME_SHAPE = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Exp', 'Log', 'Abs', 'Neg', 'Sqrt', 'Reciprocal', 'Softmax', 'LogSoftmax', 'Erf', 'Gelu',
  'Identity', 'Dropout', 'Clip', 'Elu', 'Selu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign', 'Sin', 'Cos', 'Floor', 'Ceil',
  'Round', 'Sign', 'Not', 'Cast', 'BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'LRN', 'Mish', 'Celu',
  'ThresholdedRelu', 'IsNaN', 'IsInf', 'CastLike', 'Shrink',
]);

/** Estimates the cost of one sample through `model`'s main graph (see the module comment). */
export function estimateCost(model: Model): CostEstimate {
  const g = model.graph;
  const known = new Map<string, Known>();
  for (const [name, t] of g.initializers) known.set(name, constant(t));
  for (const input of g.inputs) {
    if (!input.shape) continue;
    const shape = input.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : null));
    if (shape.every((d): d is number => d !== null)) {
      // the batch dimension of a per-batch input counts one sample
      if (shape.length > 1) shape[0] = 1;
      known.set(input.name, { dtype: input.dtype, shape: shape as number[] });
    }
  }
  const est: CostEstimate = { flopsPerSample: 0, largestTensorBytes: 0, largestTensorNode: '', costliestNode: '', unknownNodes: 0, constantBytes: 0 };
  // Values that do not depend on a graph input: initializers, then what nodes compute from them alone.
  const constants = new Set<string>(g.initializers.keys());
  for (const t of g.initializers.values()) est.constantBytes += numel(t.dims) * itemSize(t.dtype);
  let costliest = -1;
  for (const node of topological(g)) {
    const inputs = node.inputs.map((n) => (n === '' ? undefined : known.get(n)));
    let out: Known[] | null = null;
    let flops = 0;
    try {
      [out, flops] = infer(node, inputs);
    } catch {
      out = null;
    }
    if (!out) {
      est.unknownNodes++;
      continue;
    }
    const label = `${node.opType} '${node.name}'`;
    const folded = !RANDOM.has(node.opType) && node.inputs.every((n) => n === '' || constants.has(n));
    out.forEach((k, i) => {
      const name = node.outputs[i];
      if (!name || !k.shape.every((d) => Number.isFinite(d) && d >= 0)) return;
      known.set(name, k);
      const bytes = numel(k.shape) * itemSize(k.dtype);
      if (bytes > est.largestTensorBytes) { est.largestTensorBytes = bytes; est.largestTensorNode = label; }
      if (folded) { constants.add(name); est.constantBytes += bytes; }
    });
    est.flopsPerSample += flops;
    if (flops > costliest) { costliest = flops; est.costliestNode = label; }
  }
  return est;
}

/**
 * Refuses a model whose estimated cost exceeds `limits`.
 * @throws ModelError naming the estimate, the node and the limit (details.limit set: a 413).
 */
export function checkModelCost(est: CostEstimate, limits: CostLimits, names: { flops: string; tensor: string; constants?: string }): void {
  const gflops = est.flopsPerSample / 1e9;
  if (gflops > limits.maxGflopsPerSample) {
    throw new ModelError(
      `the model needs about ${fmt(gflops)} GFLOPs per sample (costliest: ${est.costliestNode}); the limit is ${limits.maxGflopsPerSample} GFLOPs per sample (${names.flops})`,
      { gflopsPerSample: gflops, limit: limits.maxGflopsPerSample },
    );
  }
  if (est.largestTensorBytes > limits.maxTensorBytes) {
    const mib = (b: number) => fmt(b / 1024 ** 2);
    throw new ModelError(
      `the model's ${est.largestTensorNode} produces a tensor of about ${mib(est.largestTensorBytes)} MiB per sample; the limit is ${mib(limits.maxTensorBytes)} MiB (${names.tensor})`,
      { tensorBytes: est.largestTensorBytes, limit: limits.maxTensorBytes },
    );
  }
  if (limits.maxConstantBytes !== undefined && est.constantBytes > limits.maxConstantBytes) {
    const mib = (b: number) => fmt(b / 1024 ** 2);
    throw new ModelError(
      `the model's weights and the constants it computes from them take about ${mib(est.constantBytes)} MiB; the limit is ${mib(limits.maxConstantBytes)} MiB (${names.constants ?? 'the constant-size limit'})`,
      { constantBytes: est.constantBytes, limit: limits.maxConstantBytes },
    );
  }
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

function constant(t: TensorValue): Known {
  const k: Known = { dtype: t.dtype, shape: [...t.dims] };
  if (t.data.length <= MAX_FOLDED_ELEMENTS && !Array.isArray(t.data)) {
    k.values = Array.from({ length: t.data.length }, (_, i) => elementAsNumber(t, i));
  }
  return k;
}

/** Nodes in an order where producers come first (the file's order when it already is one). */
function topological(g: Graph): Node[] {
  const produced = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) produced.set(o, n);
  const done = new Set<Node>();
  const order: Node[] = [];
  const visit = (root: Node) => {
    const stack: [Node, number][] = [[root, 0]];
    const onStack = new Set<Node>([root]);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [n, i] = top;
      if (i < n.inputs.length) {
        top[1]++;
        const p = produced.get(n.inputs[i]);
        if (p && !done.has(p) && !onStack.has(p)) { stack.push([p, 0]); onStack.add(p); }
        continue;
      }
      stack.pop();
      onStack.delete(n);
      if (!done.has(n)) { done.add(n); order.push(n); }
    }
  };
  for (const n of g.nodes) if (!done.has(n)) visit(n);
  return order;
}

function broadcast(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    out.push(x === 1 ? y : y === 1 ? x : Math.max(x, y));
  }
  return out;
}

function ints(node: Node, name: string): number[] | undefined {
  const a = node.attributes.get(name);
  return a?.type === 'ints' ? a.value : undefined;
}

/** Output shapes of `node` and its FLOPs, or null when unknown. */
function infer(node: Node, ins: (Known | undefined)[]): [Known[] | null, number] {
  const op = node.domain === '' || node.domain === 'ai.onnx' ? node.opType : '';
  const x = ins[0];
  const same = (k: Known): Known => ({ dtype: k.dtype, shape: [...k.shape] });
  const size = (k: Known) => numel(k.shape);
  if (op === 'Constant') {
    const v = node.attributes.get('value');
    if (v?.type === 'tensor') return [[constant(v.value)], 0];
    const vi = node.attributes.get('value_ints');
    if (vi?.type === 'ints') return [[{ dtype: 'int64', shape: [vi.value.length], values: vi.value }], 0];
    return [null, 0];
  }
  if (!x) return [null, 0];
  if (SAME_SHAPE.has(op)) return [[same(x)], size(x)];
  if (ELEMENTWISE_BINARY.has(op)) {
    if (ins.some((k, i) => i < node.inputs.length && node.inputs[i] !== '' && !k)) return [null, 0];
    const shape = ins.reduce((s, k) => (k ? broadcast(s, k.shape) : s), [] as number[]);
    const values = foldBinary(op, ins);
    return [[{ dtype: x.dtype, shape, values }], numel(shape)];
  }
  switch (op) {
    case 'MatMul': {
      const w = ins[1];
      if (!w) return [null, 0];
      const a = x.shape.length === 1 ? [1, x.shape[0]] : x.shape;
      const b = w.shape.length === 1 ? [w.shape[0], 1] : w.shape;
      const [m, k] = a.slice(-2);
      const n = b[b.length - 1];
      const batch = broadcast(a.slice(0, -2), b.slice(0, -2));
      const shape = [...batch, ...(x.shape.length === 1 ? [] : [m]), ...(w.shape.length === 1 ? [] : [n])];
      return [[{ dtype: x.dtype, shape }], 2 * numel(batch) * m * k * n];
    }
    case 'Gemm': {
      const w = ins[1];
      if (!w || x.shape.length !== 2 || w.shape.length !== 2) return [null, 0];
      const m = attrInt(node, 'transA', 0) ? x.shape[1] : x.shape[0];
      const k = attrInt(node, 'transA', 0) ? x.shape[0] : x.shape[1];
      const n = attrInt(node, 'transB', 0) ? w.shape[0] : w.shape[1];
      return [[{ dtype: x.dtype, shape: [m, n] }], 2 * m * k * n];
    }
    case 'Conv':
    case 'ConvTranspose': {
      const w = ins[1];
      if (!w || x.shape.length < 3 || w.shape.length !== x.shape.length) return [null, 0];
      const group = attrInt(node, 'group', 1);
      const spatial = x.shape.slice(2);
      const kernel = w.shape.slice(2);
      const strides = ints(node, 'strides') ?? spatial.map(() => 1);
      const dil = ints(node, 'dilations') ?? spatial.map(() => 1);
      const pads = ints(node, 'pads') ?? spatial.map(() => 0).concat(spatial.map(() => 0));
      const autoPad = node.attributes.get('auto_pad');
      const samePad = autoPad?.type === 'string' && autoPad.value.startsWith('SAME');
      if (op === 'Conv') {
        const outSp = spatial.map((d, i) => (samePad
          ? Math.ceil(d / strides[i])
          : Math.floor((d + pads[i] + pads[i + spatial.length] - dil[i] * (kernel[i] - 1) - 1) / strides[i]) + 1));
        const shape = [x.shape[0], w.shape[0], ...outSp];
        return [[{ dtype: x.dtype, shape }], 2 * numel(shape) * (w.shape[1] * numel(kernel))];
      }
      const outPad = ints(node, 'output_padding') ?? spatial.map(() => 0);
      const cout = w.shape[1] * group;
      const outSp = ints(node, 'output_shape') ?? spatial.map((d, i) => (samePad
        ? d * strides[i]
        : strides[i] * (d - 1) + outPad[i] + dil[i] * (kernel[i] - 1) + 1 - pads[i] - pads[i + spatial.length]));
      return [[{ dtype: x.dtype, shape: [x.shape[0], cout, ...outSp] }], 2 * size(x) * (cout / group) * numel(kernel)];
    }
    case 'Shape': return [[{ dtype: 'int64', shape: [x.shape.length], values: [...x.shape] }], 0];
    case 'Size': return [[{ dtype: 'int64', shape: [], values: [size(x)] }], 0];
    case 'ConstantOfShape': {
      if (!x.values) return [null, 0];
      const v = node.attributes.get('value');
      return [[{ dtype: v?.type === 'tensor' ? v.value.dtype : 'float32', shape: x.values }], numel(x.values)];
    }
    case 'Expand': {
      const s = ins[1]?.values;
      if (!s) return [null, 0];
      const shape = broadcast(x.shape, s);
      return [[{ dtype: x.dtype, shape }], numel(shape)];
    }
    case 'Tile': {
      const r = ins[1]?.values;
      if (!r || r.length !== x.shape.length) return [null, 0];
      const shape = x.shape.map((d, i) => d * r[i]);
      return [[{ dtype: x.dtype, shape }], numel(shape)];
    }
    case 'Reshape': {
      const s = ins[1]?.values;
      if (!s) return [null, 0];
      const allowZero = attrInt(node, 'allowzero', 0) === 1;
      const shape = s.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
      const rest = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      const filled = shape.map((d) => (d === -1 ? (rest === 0 ? 0 : size(x) / rest) : d));
      return [[{ dtype: x.dtype, shape: filled, values: x.values }], 0];
    }
    case 'Flatten': {
      let axis = attrInt(node, 'axis', 1);
      if (axis < 0) axis += x.shape.length;
      return [[{ dtype: x.dtype, shape: [numel(x.shape.slice(0, axis)), numel(x.shape.slice(axis))] }], 0];
    }
    case 'Transpose': {
      const perm = ints(node, 'perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i);
      return [[{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }], size(x)];
    }
    case 'Concat': {
      if (ins.some((k) => !k)) return [null, 0];
      let axis = attrInt(node, 'axis', 0);
      if (axis < 0) axis += x.shape.length;
      const shape = [...x.shape];
      shape[axis] = ins.reduce((s, k) => s + k!.shape[axis], 0);
      const values = ins.every((k) => k!.values) && x.shape.length === 1 ? ins.flatMap((k) => k!.values!) : undefined;
      return [[{ dtype: x.dtype, shape, values }], numel(shape)];
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      const axes = ints(node, 'axes') ?? ins[1]?.values;
      if (!axes) return op === 'Squeeze' ? [[{ dtype: x.dtype, shape: x.shape.filter((d) => d !== 1), values: x.values }], 0] : [null, 0];
      if (op === 'Squeeze') {
        const drop = new Set(axes.map((a) => (a < 0 ? a + x.shape.length : a)));
        return [[{ dtype: x.dtype, shape: x.shape.filter((_, i) => !drop.has(i)), values: x.values }], 0];
      }
      const rank = x.shape.length + axes.length;
      const add = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      const shape: number[] = [];
      let j = 0;
      for (let i = 0; i < rank; i++) shape.push(add.has(i) ? 1 : x.shape[j++]);
      return [[{ dtype: x.dtype, shape, values: x.values }], 0];
    }
    case 'Range': {
      const [s, l, d] = [ins[0]?.values?.[0], ins[1]?.values?.[0], ins[2]?.values?.[0]];
      if (s === undefined || l === undefined || d === undefined || d === 0) return [null, 0];
      const n = Math.max(Math.ceil((l - s) / d), 0);
      return [[{ dtype: x.dtype, shape: [n] }], n];
    }
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool': {
      const kernel = ints(node, 'kernel_shape');
      if (!kernel) return [null, 0];
      const spatial = x.shape.slice(2);
      const strides = ints(node, 'strides') ?? spatial.map(() => 1);
      const pads = ints(node, 'pads') ?? spatial.map(() => 0).concat(spatial.map(() => 0));
      const outSp = spatial.map((d, i) => Math.floor((d + pads[i] + pads[i + spatial.length] - kernel[i]) / strides[i]) + 1);
      const shape = [...x.shape.slice(0, 2), ...outSp];
      return [[{ dtype: x.dtype, shape }], numel(shape) * numel(kernel)];
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return [[{ dtype: x.dtype, shape: [...x.shape.slice(0, 2), ...x.shape.slice(2).map(() => 1)] }], size(x)];
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ArgMax':
    case 'ArgMin': {
      const axes = ints(node, 'axes') ?? (op.startsWith('Arg') ? [attrInt(node, 'axis', 0)] : ins[1]?.values);
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const all = !axes || axes.length === 0;
      const drop = new Set((axes ?? []).map((a) => (a < 0 ? a + x.shape.length : a)));
      const shape = x.shape.flatMap((d, i) => (all || drop.has(i) ? (keep ? [1] : []) : [d]));
      return [[{ dtype: op.startsWith('Arg') ? 'int64' : x.dtype, shape }], size(x)];
    }
    default:
      return [null, 0];
  }
}

const INTEGER = new Set<DType>(['int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32', 'uint64']);

/** Folds a binary op on small constants (shape arithmetic), or undefined. */
function foldBinary(op: string, ins: (Known | undefined)[]): number[] | undefined {
  const [a, b] = [ins[0]?.values, ins[1]?.values];
  if (!a || !b || ins.length !== 2 || !INTEGER.has(ins[0]!.dtype) || !INTEGER.has(ins[1]!.dtype)) return undefined;
  const n = Math.max(a.length, b.length);
  if ((a.length !== n && a.length !== 1) || (b.length !== n && b.length !== 1) || n > MAX_FOLDED_ELEMENTS) return undefined;
  const at = (v: number[], i: number) => v[v.length === 1 ? 0 : i];
  const f: Record<string, (p: number, q: number) => number> = {
    Add: (p, q) => p + q, Sub: (p, q) => p - q, Mul: (p, q) => p * q, Div: (p, q) => (q === 0 ? NaN : Math.trunc(p / q)),
    Max: Math.max, Min: Math.min,
  };
  const fn = f[op];
  return fn ? Array.from({ length: n }, (_, i) => fn(at(a, i), at(b, i))) : undefined;
}
