/**
 * A finite-difference check for small multi-node graphs, complementing gradcheck.ts (one node,
 * one data input, fixed shapes). Used where one node is not enough: several outputs of a node
 * all reaching the loss (Split), several differently shaped x-dependent inputs (Concat), and a
 * batch dimension that is symbolic, probed at PROBE_BATCH and run at another size, which
 * catches rules that bake the probe's batch size into the gradient graph.
 *
 * The loss is the builder's CE on the (batched) output; the numeric gradient is the central
 * difference of the sum of the per-sample losses. int64 constants may be given as bigint
 * (INT64_MAX / INT64_MIN sentinels exceed JS numbers).
 */
import { Attribute, DType, Model, Node, TensorValue } from '../../onnx/ir';
import { encodeModel } from '../../onnx/encode';
import { Session } from '../../runtime/session';
import { probeShapes, PROBE_BATCH } from '../../runtime/probe';
import { buildGradientModel } from '../builder';
import { toAttribute } from '../../onnx/graph-writer';
import type { AttrInput } from '../../onnx/graph-writer';
import { compareGradients, GradientComparison, rng, throwUnlessWithin } from './gradcheck';

export interface GraphNodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrInput>;
}

export interface GraphCheckSpec {
  /** Nodes in order; the data input is called 'data'. */
  nodes: GraphNodeSpec[];
  /** Constant inputs by name; float tensors use the check's dtype (values as plain numbers). */
  constants?: Record<string, { dtype: DType | 'float'; dims: number[]; values: (number | bigint)[] }>;
  /** The graph output (the classifier's logits). */
  output: string;
  /** Shape x is run at. With `batched`, dim 0 is declared symbolic and probed at PROBE_BATCH. */
  xShape: number[];
  batched?: boolean;
  dtype?: 'float64' | 'float32';
  seed?: number;
  lo?: number;
  hi?: number;
  h?: number;
  /** Fixed values for x (default: seeded uniform in [lo, hi]), e.g. to place ties for a hand-computed case. */
  x?: number[];
}

export interface GraphCheckResult extends GradientComparison {
  analytic: Float64Array;
  numeric: Float64Array;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function makeTensor(dtype: DType, dims: number[], values: (number | bigint)[]): TensorValue {
  switch (dtype) {
    case 'float64': return { dtype, dims, data: Float64Array.from(values, Number) };
    case 'float32': return { dtype, dims, data: Float32Array.from(values, Number) };
    case 'int64': return { dtype, dims, data: BigInt64Array.from(values, (v) => BigInt(v)) };
    case 'int32': return { dtype, dims, data: Int32Array.from(values, Number) };
    default: throw new Error(`graph-check: unsupported constant dtype ${dtype}`);
  }
}

/** Builds the model, its gradient model, and compares the gradient with central differences. */
export async function graphGradcheck(spec: GraphCheckSpec): Promise<GraphCheckResult> {
  const dtype: DType = spec.dtype ?? 'float64';
  const rand = rng(spec.seed ?? 1);
  const initializers = new Map<string, TensorValue>();
  for (const [name, c] of Object.entries(spec.constants ?? {})) {
    initializers.set(name, makeTensor(c.dtype === 'float' ? dtype : c.dtype, c.dims, c.values));
  }
  const nodes: Node[] = spec.nodes.map((n, k) => {
    const attributes = new Map<string, Attribute>();
    for (const [a, v] of Object.entries(n.attrs ?? {})) attributes.set(a, toAttribute(v));
    return { name: `${n.opType}_${k}`, opType: n.opType, domain: '', inputs: n.inputs, outputs: n.outputs, attributes };
  });
  const declared = spec.batched ? ['N', ...spec.xShape.slice(1)] : spec.xShape;
  const model: Model = {
    irVersion: 8,
    opsetImports: new Map([['', 17]]),
    producerName: 'graph-check',
    producerVersion: '',
    graph: {
      name: 'graph_check', nodes, initializers, valueInfo: new Map(),
      inputs: [{ name: 'data', dtype, shape: declared }],
      outputs: [{ name: spec.output, dtype }],
    },
  };
  const probeShape = spec.batched ? [PROBE_BATCH, ...spec.xShape.slice(1)] : spec.xShape;
  const shapes = await probeShapes(model, { inputShape: probeShape });
  const gm = buildGradientModel(model, { loss: 'ce', shapes });
  const session = await Session.create(encodeModel(gm.model));
  const [lo, hi] = [spec.lo ?? -1, spec.hi ?? 1];
  const x = spec.x ?? Array.from({ length: prod(spec.xShape) }, () => lo + (hi - lo) * rand());
  const nLabels = spec.batched ? spec.xShape[0] : 1;
  const labels = { dtype: 'int64' as DType, dims: [nLabels], data: new BigInt64Array(nLabels) };
  const run = async (values: number[]) => {
    const data = dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
    return session.run({ x: { dtype, dims: spec.xShape, data }, labels });
  };
  try {
    const base = await run(x);
    const analytic = Float64Array.from(base.grad.data as Float64Array);
    if (analytic.length !== x.length) throw new Error(`graph-check: gradient has ${analytic.length} elements, x has ${x.length}`);
    const h = spec.h ?? (dtype === 'float64' ? 1e-6 : 1e-2);
    const numeric = new Float64Array(x.length);
    const total = async (v: number[]) => Array.from((await run(v)).loss.data as Float64Array, Number).reduce((a, b) => a + b, 0);
    const indices = [...Array(Math.min(x.length, 400)).keys()];
    for (const i of indices) {
      const xp = x.slice(); xp[i] += h;
      const xm = x.slice(); xm[i] -= h;
      numeric[i] = ((await total(xp)) - (await total(xm))) / (2 * h);
    }
    return { ...compareGradients(analytic, numeric, indices), analytic, numeric };
  } finally {
    await session.release();
  }
}

/** Jest helper: asserts maxRelErr ≤ bound, naming the worst element on failure. */
export async function expectGraphGradientsMatch(spec: GraphCheckSpec, bound = 1e-4): Promise<GraphCheckResult> {
  const r = await graphGradcheck(spec);
  throwUnlessWithin(spec.nodes.map((n) => n.opType).join('→'), spec.seed ?? 1, r, bound);
  return r;
}
