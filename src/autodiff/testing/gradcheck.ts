/**
 * The shared finite-difference checker for gradient rules (STYLE.md §6).
 *
 * Builds a one-node model `y = op(inputs…)` in which one input is the data input x and the
 * others are constants, differentiates CE(flatten(y) as logits, label 0) through the real
 * builder, runs it in ONNX Runtime, and compares d loss/dx with central differences of the
 * same session's loss. float64 by default (h = 1e-6); float32 where ORT has no double
 * kernel (h = 1e-2, looser bound, stated by the caller). Seeded; on failure the message
 * names seed, worst index, analytic and numeric values.
 */
import { Attribute, DType, Model, Node, TensorValue } from '../../onnx/ir';
import { encodeModel } from '../../onnx/encode';
import { Session } from '../../runtime/session';
import { probeShapes } from '../../runtime/probe';
import { buildGradientModel } from '../builder';
import { toAttribute } from '../../onnx/graph-writer';
import type { AttrInput } from '../../onnx/graph-writer';
import { mulberry32 } from '../../util/random';

/** One input of the op under test. */
export type CheckInput =
  /** The differentiated input: random values in [lo, hi] (default [-1, 1]). */
  | { x: number[]; lo?: number; hi?: number }
  /** A float constant: random in [lo, hi] unless `values` given. */
  | { float: number[]; lo?: number; hi?: number; values?: number[] }
  /** An int64 constant (axes, shapes, indices). */
  | { int64: number[]; values: number[] }
  /** A bool constant. */
  | { bool: number[]; values: boolean[] }
  /** An omitted optional input. */
  | { absent: true };

export interface CheckSpec {
  opType: string;
  inputs: CheckInput[];
  attrs?: Record<string, AttrInput>;
  /** Number of outputs of the op (the first is checked unless `output` is set). */
  outputs?: number;
  output?: number;
  dtype?: 'float64' | 'float32';
  seed?: number;
  /** Finite-difference step (default 1e-6 for float64, 1e-2 for float32). */
  h?: number;
  /** Perturb only these flat indices of x (default: all, up to 400). */
  indices?: number[];
}

export interface CheckResult extends GradientComparison {
  analytic: Float64Array;
  numeric: Float64Array;
  seed: number;
  /** Non-differentiable / random findings reported by the builder. */
  findings: string[];
}

/** Deterministic PRNG (mulberry32), re-exported for tests. */
export const rng = mulberry32;

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function floatTensor(dtype: DType, dims: number[], values: number[]): TensorValue {
  return { dtype, dims, data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values) };
}

/** Builds the one-node model and the random x for a spec. */
export function checkModel(spec: CheckSpec): { model: Model; x: number[]; xShape: number[] } {
  const dtype: DType = spec.dtype ?? 'float64';
  const rand = rng(spec.seed ?? 1);
  const initializers = new Map<string, TensorValue>();
  let x: number[] = [];
  let xShape: number[] = [];
  const names = spec.inputs.map((inp, i) => {
    if ('absent' in inp) return '';
    const name = `in${i}`;
    if ('x' in inp) {
      xShape = inp.x;
      const [lo, hi] = [inp.lo ?? -1, inp.hi ?? 1];
      x = Array.from({ length: prod(inp.x) }, () => lo + (hi - lo) * rand());
      return 'data';
    }
    if ('float' in inp) {
      const [lo, hi] = [inp.lo ?? -1, inp.hi ?? 1];
      const values = inp.values ?? Array.from({ length: prod(inp.float) }, () => lo + (hi - lo) * rand());
      initializers.set(name, floatTensor(dtype, inp.float, values));
    } else if ('int64' in inp) {
      initializers.set(name, { dtype: 'int64', dims: inp.int64, data: BigInt64Array.from(inp.values.map((v) => BigInt(v))) });
    } else {
      initializers.set(name, { dtype: 'bool', dims: inp.bool, data: Uint8Array.from(inp.values.map(Number)) });
    }
    return name;
  });
  const nOut = spec.outputs ?? 1;
  const outputs = Array.from({ length: nOut }, (_, i) => `out${i}`);
  const attributes = new Map<string, Attribute>();
  for (const [k, v] of Object.entries(spec.attrs ?? {})) attributes.set(k, toAttribute(v));
  const node: Node = { name: `${spec.opType}_under_test`, opType: spec.opType, domain: '', inputs: names, outputs, attributes };
  const model: Model = {
    irVersion: 8,
    opsetImports: new Map([['', 17]]),
    producerName: 'gradcheck',
    producerVersion: '',
    graph: {
      name: 'gradcheck',
      nodes: [node],
      inputs: [{ name: 'data', dtype, shape: xShape }],
      outputs: [{ name: outputs[spec.output ?? 0], dtype }],
      initializers,
      valueInfo: new Map(),
    },
  };
  return { model, x, xShape };
}

/** Runs the finite-difference check; see the file comment. */
export async function gradcheck(spec: CheckSpec): Promise<CheckResult> {
  const dtype = spec.dtype ?? 'float64';
  const seed = spec.seed ?? 1;
  const { model, x, xShape } = checkModel(spec);
  const shapes = await probeShapes(model, { inputShape: xShape });
  const gm = buildGradientModel(model, { loss: 'ce', shapes });
  const session = await Session.create(encodeModel(gm.model));
  const labels = { dtype: 'int64' as DType, dims: [1], data: new BigInt64Array([0n]) };
  const run = async (values: number[]) => {
    const data = dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
    return session.run({ x: { dtype, dims: xShape, data }, labels });
  };
  try {
    const base = await run(x);
    const analytic = Float64Array.from(base.grad.data as Float64Array);
    const h = spec.h ?? (dtype === 'float64' ? 1e-6 : 1e-2);
    const indices = spec.indices ?? [...Array(Math.min(x.length, 400)).keys()];
    const numeric = new Float64Array(x.length);
    for (const i of indices) {
      const xp = x.slice(); xp[i] += h;
      const xm = x.slice(); xm[i] -= h;
      const lp = Number((await run(xp)).loss.data[0]);
      const lm = Number((await run(xm)).loss.data[0]);
      numeric[i] = (lp - lm) / (2 * h);
    }
    const findings = [...gm.nonDifferentiable, ...gm.random].map((f) => `${f.opType} '${f.node}'`);
    return { ...compareGradients(analytic, numeric, indices), analytic, numeric, seed, findings };
  } finally {
    await session.release();
  }
}

/** The largest relative error of a gradient comparison and the element where it is. */
export interface GradientComparison {
  maxRelErr: number;
  worst: { index: number; analytic: number; numeric: number };
}

/**
 * Compares analytic with numeric gradients at `indices`: relative error |n − a| / max(|n|, |a|,
 * 1e-2·max|analytic|, 1e-8), so that elements far below the gradient's scale are judged against it.
 */
export function compareGradients(analytic: Float64Array, numeric: Float64Array, indices: Iterable<number>): GradientComparison {
  const scale = Math.max(...Array.from(analytic, Math.abs), 1e-8);
  let worst = { index: -1, analytic: 0, numeric: 0 };
  let maxRelErr = 0;
  for (const i of indices) {
    const err = Math.abs(numeric[i] - analytic[i]) / Math.max(Math.abs(numeric[i]), Math.abs(analytic[i]), 1e-2 * scale, 1e-8);
    if (err > maxRelErr) { maxRelErr = err; worst = { index: i, analytic: analytic[i], numeric: numeric[i] }; }
  }
  return { maxRelErr, worst };
}

/** Throws unless maxRelErr ≤ bound, with a message naming what was checked, the seed and the worst element. */
export function throwUnlessWithin(what: string, seed: number, r: GradientComparison, bound: number): void {
  if (!(r.maxRelErr <= bound)) {
    throw new Error(
      `${what}: max relative error ${r.maxRelErr.toExponential(3)} > ${bound} (seed ${seed}, ` +
        `index ${r.worst.index}: analytic ${r.worst.analytic}, numeric ${r.worst.numeric})`,
    );
  }
}

/** Jest helper: asserts maxRelErr ≤ bound with a message carrying seed and the worst element. */
export async function expectGradientsMatch(spec: CheckSpec, bound = 1e-4): Promise<CheckResult> {
  const r = await gradcheck(spec);
  throwUnlessWithin(spec.opType, r.seed, r, bound);
  return r;
}
