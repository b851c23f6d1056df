/**
 * Small multi-node test models for graph-level behaviour that one-node finite-difference checks
 * (gradcheck.ts) cannot show: straight-through chains (Q→DQ, Cast(int)→Cast(float)), random ops,
 * ops off the logits path. A model is a node list from the data input `data` to the first output
 * of the last node; `gradientOf` differentiates CE(logits, label) through the real builder and
 * runs it in ONNX Runtime.
 */
import { Attribute, DType, Model, Node, TensorValue, tensorFromNumbers } from '../../onnx/ir';
import { encodeModel } from '../../onnx/encode';
import { Session, SessionOptions } from '../../runtime/session';
import { probeShapes } from '../../runtime/probe';
import { buildGradientModel } from '../builder';
import { toAttribute } from '../../onnx/graph-writer';
import type { AttrInput } from '../../onnx/graph-writer';
import { rng } from './gradcheck';

export interface SmallNode {
  op: string;
  inputs: string[];
  /** Default: one output named `v<index>`. */
  outputs?: string[];
  attrs?: Record<string, AttrInput>;
}

export interface SmallModelSpec {
  dtype?: 'float32' | 'float64';
  /** Concrete shape of `data` (no batch dim: labels are one class index). */
  xShape: number[];
  nodes: SmallNode[];
  consts?: Record<string, TensorValue>;
}

/** A constant tensor, for `consts`. */
export function tensor(dtype: DType, dims: number[], values: number[]): TensorValue {
  return tensorFromNumbers(dtype, dims, values);
}

export function smallModel(spec: SmallModelSpec): Model {
  const dtype = spec.dtype ?? 'float64';
  const nodes: Node[] = spec.nodes.map((n, k) => {
    const attributes = new Map<string, Attribute>();
    for (const [a, v] of Object.entries(n.attrs ?? {})) attributes.set(a, toAttribute(v));
    return { name: `${n.op}_${k}`, opType: n.op, domain: '', inputs: n.inputs, outputs: n.outputs ?? [`v${k}`], attributes };
  });
  return {
    irVersion: 8,
    opsetImports: new Map([['', 17]]),
    producerName: 'small-model',
    producerVersion: '',
    graph: {
      name: 'small',
      nodes,
      inputs: [{ name: 'data', dtype, shape: spec.xShape }],
      outputs: [{ name: nodes[nodes.length - 1].outputs[0], dtype }],
      // Only the constants some node reads (ORT warns about unused initializers).
      initializers: new Map(Object.entries(spec.consts ?? {}).filter(([k]) => nodes.some((n) => n.inputs.includes(k)))),
      valueInfo: new Map(),
    },
  };
}

export interface GradientRuns {
  /** One entry per run of the same session (random ops draw anew each run). */
  runs: { logits: number[]; loss: number; grad: number[] }[];
  /** Builder findings as `OpType 'node'`. */
  nonDifferentiable: string[];
  random: string[];
}

/** Builds the gradient model of `model` and runs it `runs` times (default 1) at x. */
export async function gradientOf(
  model: Model, x: number[],
  opts: { straightThrough?: boolean; label?: number; runs?: number; optimization?: SessionOptions['optimization']; shortcuts?: boolean } = {},
): Promise<GradientRuns> {
  const input = model.graph.inputs[0];
  const dtype = input.dtype;
  const xShape = input.shape as number[];
  const shapes = await probeShapes(model, { inputShape: xShape });
  const gm = buildGradientModel(model, { loss: 'ce', shapes, straightThrough: opts.straightThrough, shortcuts: opts.shortcuts });
  const session = await Session.create(encodeModel(gm.model), { optimization: opts.optimization });
  try {
    const runs: GradientRuns['runs'] = [];
    for (let r = 0; r < (opts.runs ?? 1); r++) {
      const out = await session.run({
        x: { dtype, dims: xShape, data: dtype === 'float64' ? Float64Array.from(x) : Float32Array.from(x) },
        labels: { dtype: 'int64', dims: [1], data: new BigInt64Array([BigInt(opts.label ?? 0)]) },
      });
      runs.push({ logits: Array.from(out.logits.data as Float64Array), loss: Number(out.loss.data[0]), grad: Array.from(out.grad.data as Float64Array) });
    }
    const names = (fs: { node: string; opType: string }[]) => fs.map((f) => `${f.opType} '${f.node}'`);
    return { runs, nonDifferentiable: names(gm.nonDifferentiable), random: names(gm.random) };
  } finally {
    await session.release();
  }
}

/** d CE(z, label) / dz = softmax(z) − onehot(label): the gradient reaching logits that are x itself. */
export function ceGradient(z: number[], label = 0): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v, i) => v / s - (i === label ? 1 : 0));
}

/** Max |a − b| relative to max(|a|, |b|) over all elements (0 when both are zero). */
export function maxRelDiff(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  const scale = Math.max(...a.map(Math.abs), ...b.map(Math.abs));
  if (scale === 0) return 0;
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

/** Seeded values in [lo, hi]. */
export function uniform(n: number, lo: number, hi: number, seed = 1): number[] {
  const next = rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * next());
}
