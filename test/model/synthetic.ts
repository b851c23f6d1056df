/**
 * Small synthetic classifiers for the runtime tests, built directly as Gauntlet IR:
 * x → Flatten → (Gemm → Relu)* → Gemm [→ Softmax], with seeded weights. Variants exercise
 * batch generalisation: a fixed batch of 1, a Reshape that bakes the batch in, and a
 * reduction over the batch axis that only a per-sample run computes as the exporter meant.
 */
import { Attribute, DType, Model, Node, TensorValue } from '../../src/onnx/ir';
import { encodeModel } from '../../src/onnx/encode';
import { mulberry32 } from '../../src/util/random';

export interface MlpSpec {
  /** Per-sample input shape. */
  inputShape: number[];
  hidden: number[];
  classes: number;
  /** Declared dim 0: symbolic 'N' (default) or a fixed 1. */
  batch?: 'N' | 1;
  dtype?: 'float32' | 'float64';
  seed?: number;
  softmax?: boolean;
  /** Flatten through Reshape(shape = [1, -1]): only valid at batch 1. */
  fixedReshape?: boolean;
  /** Adds mean over dim 0 to x first: batch-1 exports mean "2x"; batched runs would mix samples. */
  batchMean?: boolean;
}

const rand = mulberry32;

const node = (opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attribute> = {}): Node => ({
  name: `${opType}_${outputs[0]}`, opType, domain: '', inputs, outputs, attributes: new Map(Object.entries(attrs)),
});

/** Builds the MLP as an opset-17 model. */
export function mlp(spec: MlpSpec): Model {
  const dtype: DType = spec.dtype ?? 'float32';
  const r = rand(spec.seed ?? 1);
  const inits = new Map<string, TensorValue>();
  const floats = (name: string, dims: number[], scale: number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (2 * r() - 1) * scale;
    inits.set(name, { dtype, dims, data });
    return name;
  };
  const nodes: Node[] = [];
  let v = 'input';
  if (spec.batchMean) {
    nodes.push(node('ReduceMean', [v], ['bmean'], { axes: { type: 'ints', value: [0] }, keepdims: { type: 'int', value: 1 } }));
    nodes.push(node('Add', [v, 'bmean'], ['xm']));
    v = 'xm';
  }
  if (spec.fixedReshape) {
    inits.set('rshape', { dtype: 'int64', dims: [2], data: new BigInt64Array([1n, -1n]) });
    nodes.push(node('Reshape', [v, 'rshape'], ['flat']));
  } else {
    nodes.push(node('Flatten', [v], ['flat'], { axis: { type: 'int', value: 1 } }));
  }
  v = 'flat';
  let width = spec.inputShape.reduce((a, b) => a * b, 1);
  const widths = [...spec.hidden, spec.classes];
  widths.forEach((w, k) => {
    const W = floats(`W${k}`, [width, w], 1 / Math.sqrt(width));
    const b = floats(`b${k}`, [w], 0.1);
    const out = k === widths.length - 1 ? 'scores' : `h${k}`;
    nodes.push(node('Gemm', [v, W, b], [out]));
    v = out;
    if (k < widths.length - 1) {
      nodes.push(node('Relu', [v], [`r${k}`]));
      v = `r${k}`;
    }
    width = w;
  });
  if (spec.softmax) {
    nodes.push(node('Softmax', [v], ['probs'], { axis: { type: 'int', value: -1 } }));
    v = 'probs';
  }
  const b0 = spec.batch ?? 'N';
  return {
    irVersion: 8,
    opsetImports: new Map([['', 17]]),
    producerName: 'gauntlet-test',
    producerVersion: '0',
    graph: {
      name: 'mlp',
      nodes,
      inputs: [{ name: 'input', dtype, shape: [b0, ...spec.inputShape] }],
      outputs: [{ name: v, dtype, shape: [b0, spec.classes] }],
      initializers: inits,
      valueInfo: new Map(),
    },
  };
}

/** The MLP's ONNX bytes. */
export function mlpBytes(spec: MlpSpec): Uint8Array {
  return encodeModel(mlp(spec));
}

/** n samples of `per` values uniform in [0, 1), seeded. */
export function randomInputs(n: number, per: number, seed = 7): Float32Array {
  const r = rand(seed);
  const x = new Float32Array(n * per);
  for (let i = 0; i < x.length; i++) x[i] = r();
  return x;
}

/** max |a − b| / max |b|. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / Math.max(m, 1e-30);
}

/**
 * A classifier that is slow per sample but tiny in bytes (for event-loop tests):
 * x [N, d] → A = x xᵀ [N, d, d] → k × (A ← (A·A)/d) → row sums [N, d] → Gemm → [N, 10].
 * Each step costs 2d³ flops per sample.
 */
export function heavyModel(d: number, k: number, seed = 4): Uint8Array {
  const r = rand(seed);
  const inits = new Map<string, TensorValue>();
  const f32 = (name: string, dims: number[], values?: number[]) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = values ? values[i] : (2 * r() - 1) / Math.sqrt(d);
    inits.set(name, { dtype: 'float32', dims, data });
    return name;
  };
  const i64 = (name: string, values: bigint[]) => {
    inits.set(name, { dtype: 'int64', dims: [values.length], data: new BigInt64Array(values) });
    return name;
  };
  const nodes: Node[] = [
    node('Unsqueeze', ['input', i64('ax1', [1n])], ['row']),
    node('Unsqueeze', ['input', i64('ax2', [2n])], ['col']),
    node('MatMul', ['col', 'row'], ['A0']),
  ];
  f32('scale', [], [1 / d]);
  for (let i = 0; i < k; i++) {
    nodes.push(node('MatMul', [`A${i}`, `A${i}`], [`P${i}`]));
    nodes.push(node('Mul', [`P${i}`, 'scale'], [`A${i + 1}`]));
  }
  nodes.push(node('ReduceSum', [`A${k}`, i64('ax2b', [2n])], ['rows'], { keepdims: { type: 'int', value: 0 } }));
  nodes.push(node('Gemm', ['rows', f32('W', [d, 10]), f32('b', [10])], ['scores']));
  return encodeModel({
    irVersion: 8,
    opsetImports: new Map([['', 17]]),
    producerName: 'gauntlet-test',
    producerVersion: '0',
    graph: {
      name: 'heavy', nodes, initializers: inits, valueInfo: new Map(),
      inputs: [{ name: 'input', dtype: 'float32', shape: ['N', d] }],
      outputs: [{ name: 'scores', dtype: 'float32', shape: ['N', 10] }],
    },
  });
}
