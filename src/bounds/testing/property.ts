/**
 * The shared soundness checker for bound rules (STYLE.md §18): a sampling test.
 *
 * Builds a one-node model `y = op(inputs…)` whose bounded inputs are graph inputs and whose other
 * inputs are constants, draws random boxes for the bounded inputs (seeded; centres from small to
 * large and near the op's kinks, widths from degenerate lo = hi to large), bounds the op's output
 * over each box with a Bounder (IBP today: the rule's own interval graph, propagate.ts), and
 * evaluates the op at points of the box (corners and interior) in ONNX Runtime float32 and, where
 * the spec gives one, in float64 (ORT's double kernels or a JS function: the exact value up to
 * 1e-16). Every value must lie inside the bounds. For exact ops the bounds must equal f(lo) and
 * f(hi); for any op a degenerate box must give a narrow interval. A CROWN bounder will sit beside
 * ibpBounder: it returns the concretised bounds of the same box (`bound`) and its linear bounds
 * evaluated at each point (`boundAt`), both checked against the same points.
 */
import { Attribute, DType, Model, Node, TensorValue, numel } from '../../onnx/ir';
import { encodeModel } from '../../onnx/encode';
import { toAttribute } from '../../onnx/graph-writer';
import type { ShapeInfo } from '../../onnx/shapes';
import { Session } from '../../runtime/session';
import type { HostTensor } from '../../runtime/tensor';
import { mulberry32 } from '../../util/random';
import { toFloat32Down, toFloat32Up } from '../float-error';
import { buildIntervalGraph } from '../propagate';
import type { Box, Bounder, OpUnderTest, OutputBounds, PropertyInput, PropertySpec } from './property-types';

export type { Box, Bounder, OpenBounder, OpUnderTest, OutputBounds, PropertyInput, PropertySpec } from './property-types';
import { boundRule } from '../registry';
import { UnsupportedOpError } from '../../errors';
import { crownBounder } from './crown-bounder';

/** A violation found by the checker. */
export interface Violation {
  box: number;
  point: number;
  index: number;
  /** 'float32', 'float64', '… at point' (boundAt), 'exact lo', 'exact hi', 'degenerate width'. */
  check: string;
  value: number;
  lo: number;
  hi: number;
}

export interface PropertyResult {
  method: string;
  seed: number;
  boxes: number;
  /** Points evaluated (each in float32 and, with a reference, in float64). */
  points: number;
  /** Output values compared with the bounds. */
  comparisons: number;
  violations: Violation[];
  /** Largest interval width over the degenerate boxes, relative to 1 + |f(x)|. */
  maxDegenerateWidth: number;
}

const OUT = 'y';
/** Points per run of the evaluation model. */
const BATCH = 256;
/** Tiny graphs: one thread avoids the intra-op pool's hand-offs (and shares CI's two cores). */
const ONE_THREAD = { intraOpThreads: 1 };

function constTensor(inp: PropertyInput, rand: () => number, dtype: DType): TensorValue | undefined {
  if ('float' in inp) {
    const [lo, hi] = [inp.lo ?? -1, inp.hi ?? 1];
    const values = inp.values ?? Array.from({ length: numel(inp.float) }, () => lo + (hi - lo) * rand());
    // The float64 model computes exactly on the float32 model's constants.
    return { dtype, dims: inp.float, data: dtype === 'float64' ? Float64Array.from(values, Math.fround) : Float32Array.from(values) };
  }
  if ('int64' in inp) return { dtype: 'int64', dims: inp.int64, data: BigInt64Array.from(inp.values.map((v) => BigInt(v))) };
  return undefined;
}

/** The one-node model of a spec, in float32 or float64 (constants drawn from the same seed). */
export function opModel(spec: PropertySpec, dtype: 'float32' | 'float64' = 'float32'): { model: Model; bounded: { name: string; shape: number[] }[] } {
  const rand = mulberry32((spec.seed ?? 1) ^ 0x5bd1e995);
  const initializers = new Map<string, TensorValue>();
  const bounded: { name: string; shape: number[] }[] = [];
  const names = spec.inputs.map((inp, i) => {
    if ('absent' in inp) return '';
    if ('bounded' in inp) {
      const name = `x${bounded.length}`;
      bounded.push({ name, shape: inp.bounded });
      return name;
    }
    const name = `c${i}`;
    initializers.set(name, constTensor(inp, rand, dtype)!);
    return name;
  });
  const attributes = new Map<string, Attribute>();
  for (const [k, v] of Object.entries(spec.attrs ?? {})) attributes.set(k, toAttribute(v));
  const node: Node = { name: `${spec.opType}_under_test`, opType: spec.opType, domain: '', inputs: names, outputs: [OUT], attributes };
  const model: Model = {
    irVersion: 8,
    opsetImports: new Map([['', 17]]),
    producerName: 'bounds-property',
    producerVersion: '',
    graph: {
      name: 'bounds_property',
      nodes: [node],
      inputs: bounded.map((b) => ({ name: b.name, dtype, shape: b.shape })),
      outputs: [{ name: OUT, dtype }],
      initializers,
      valueInfo: new Map(),
    },
  };
  return { model, bounded };
}

/**
 * The op model evaluating `copies` points per run: each bounded input is fed as the points'
 * values concatenated along axis 0, split into `copies` parts, each part through its own copy of
 * the node, and the outputs concatenated again along axis 0 (one tensor in and out per input:
 * ONNX Runtime's per-tensor cost, not the op, dominates a tiny graph).
 */
export function pointsModel(spec: PropertySpec, dtype: 'float32' | 'float64', copies: number): Model {
  const { model } = opModel(spec, dtype);
  const g = model.graph;
  const node = g.nodes[0];
  const nodes: Node[] = [];
  const split = new Map<string, string[]>();
  for (const v of g.inputs) {
    const parts = Array.from({ length: copies }, (_, p) => `${v.name}_${p}`);
    split.set(v.name, parts);
    nodes.push({ name: `split_${v.name}`, opType: 'Split', domain: '', inputs: [v.name], outputs: parts, attributes: new Map([['axis', toAttribute(0)]]) });
  }
  const outs = Array.from({ length: copies }, (_, p) => `${OUT}_${p}`);
  for (let p = 0; p < copies; p++) {
    nodes.push({ ...node, name: `${node.name}_${p}`, inputs: node.inputs.map((v) => split.get(v)?.[p] ?? v), outputs: [outs[p]] });
  }
  nodes.push({ name: 'concat_out', opType: 'Concat', domain: '', inputs: outs, outputs: [OUT], attributes: new Map([['axis', toAttribute(0)]]) });
  const stacked = (shape: number[]) => [shape[0] * copies, ...shape.slice(1)];
  return {
    ...model,
    graph: { ...g, nodes, inputs: g.inputs.map((v) => ({ ...v, shape: stacked(v.shape as number[]) })), outputs: [{ name: OUT, dtype }] },
  };
}

/** Builds the op model and records the shapes (and small values) of every value, as the probe does. */
export async function opUnderTest(spec: PropertySpec): Promise<OpUnderTest> {
  const { model, bounded } = opModel(spec);
  const shapes: ShapeInfo = new Map();
  for (const b of bounded) shapes.set(b.name, { dtype: 'float32', shape: b.shape });
  for (const [k, t] of model.graph.initializers) shapes.set(k, { dtype: t.dtype, shape: t.dims, value: t });
  const session = await Session.create(encodeModel(model), ONE_THREAD);
  try {
    const feeds = Object.fromEntries(bounded.map((b) => [b.name, { dtype: 'float32' as DType, dims: b.shape, data: new Float32Array(numel(b.shape)).fill(0.5) }]));
    const y = (await session.run(feeds))[OUT];
    shapes.set(OUT, { dtype: y.dtype, shape: y.dims });
  } finally {
    await session.release();
  }
  return { spec, model, bounded, output: OUT, shapes };
}

/** The interval graph of the op alone (propagate.ts); throws UnsupportedOpError as the rule does. */
export function opIntervalGraph(op: OpUnderTest): Model {
  return buildIntervalGraph(op.model, op.shapes, { inputs: op.bounded.map((b) => b.name), output: op.output }).model;
}

/** IBP: the rule's interval graph, run on the box. */
export const ibpBounder: Bounder = {
  name: 'IBP',
  async open(op) {
    const g = buildIntervalGraph(op.model, op.shapes, { inputs: op.bounded.map((b) => b.name), output: op.output });
    const session = await Session.create(encodeModel(g.model), ONE_THREAD);
    return {
      async bound(box) {
        const feeds: Record<string, HostTensor> = {};
        op.bounded.forEach((b, i) => {
          feeds[g.inputs[i].lo] = { dtype: 'float32', dims: b.shape, data: box.lo[i] };
          feeds[g.inputs[i].hi] = { dtype: 'float32', dims: b.shape, data: box.hi[i] };
        });
        const out = await session.run(feeds);
        return { lo: out[g.output.lo].data as Float32Array, hi: out[g.output.hi].data as Float32Array };
      },
      close: () => session.release(),
    };
  },
};

const RADII = [0, 1e-6, 1e-3, 0.05, 0.5, 2, 10];

/** A random box for each bounded input (see the file comment). */
export function randomBox(op: OpUnderTest, rand: () => number, k: number): Box {
  const { spec } = op;
  const scale = spec.centreScale ?? 8;
  const kinks = spec.kinks ?? [0];
  // Box k = 0 is degenerate, k = 1 is wide; the rest draw their radius scale.
  const radius = k === 0 ? 0 : k === 1 ? 10 : RADII[Math.floor(rand() * RADII.length)];
  const nearKink = kinks.length > 0 && rand() < 0.3;
  const spread = [1e-3, 0.1, 1][Math.floor(rand() * 3)];
  const box: Box = { lo: [], hi: [] };
  for (const b of op.bounded) {
    const n = numel(b.shape);
    const lo = new Float32Array(n), hi = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const c = nearKink
        ? kinks[Math.floor(rand() * kinks.length)] + (2 * rand() - 1) * 10 ** (-2 - 4 * rand())
        : (2 * rand() - 1) * scale * (rand() < 0.5 ? 1 : spread);
      const r = radius * rand();
      if (r === 0) {
        lo[i] = hi[i] = Math.fround(c);
      } else {
        lo[i] = toFloat32Down(c - r);
        hi[i] = toFloat32Up(c + r);
      }
    }
    box.lo.push(lo);
    box.hi.push(hi);
  }
  return box;
}

/** Point j of a box: j = 0 all lo, j = 1 all hi, odd j a random corner, even j uniform inside. */
function pointOf(box: Box, j: number, rand: () => number): Float32Array[] {
  return box.lo.map((lo, b) => {
    const hi = box.hi[b];
    const x = new Float32Array(lo.length);
    for (let i = 0; i < lo.length; i++) {
      if (j === 0) x[i] = lo[i];
      else if (j === 1) x[i] = hi[i];
      else if (j % 2) x[i] = rand() < 0.5 ? lo[i] : hi[i];
      else x[i] = Math.min(hi[i], Math.max(lo[i], Math.fround(lo[i] + (hi[i] - lo[i]) * rand())));
    }
    return x;
  });
}

/**
 * Runs the sampling check of a spec against a bounding method (default IBP); the caller asserts
 * `violations` is empty (they carry box, point, output index and values; the seed is in the result).
 */
export async function checkBounds(spec: PropertySpec, bounder: Bounder = ibpBounder): Promise<PropertyResult> {
  const seed = spec.seed ?? 1;
  const op = await opUnderTest(spec);
  const rand = mulberry32(seed);
  const nBoxes = spec.boxes ?? 40;
  const perBox = spec.pointsPerBox ?? 256;
  const bounds = await bounder.open(op);
  // One run evaluates BATCH points (pointsModel).
  const f32 = await Session.create(encodeModel(pointsModel(spec, 'float32', BATCH)), ONE_THREAD);
  const f64 = spec.float64 === 'ort' ? await Session.create(encodeModel(pointsModel(spec, 'float64', BATCH)), ONE_THREAD) : undefined;
  const unary = typeof spec.float64 === 'function' ? spec.float64 : undefined;
  const evaluate = async (session: Session, xs: Float32Array[][], dtype: DType) => {
    const feeds: Record<string, HostTensor> = {};
    op.bounded.forEach((b, i) => {
      const n = numel(b.shape);
      const data = dtype === 'float64' ? new Float64Array(n * BATCH) : new Float32Array(n * BATCH);
      for (let p = 0; p < BATCH; p++) data.set(xs[Math.min(p, xs.length - 1)][i], p * n);
      feeds[b.name] = { dtype, dims: [b.shape[0] * BATCH, ...b.shape.slice(1)], data };
    });
    const y = (await session.run(feeds))[OUT].data as Float32Array | Float64Array;
    const m = y.length / BATCH;
    return xs.map((_, p) => y.subarray(p * m, (p + 1) * m));
  };
  const violations: Violation[] = [];
  let comparisons = 0;
  let maxDegenerateWidth = 0;
  try {
    for (let k = 0; k < nBoxes; k++) {
      const box = randomBox(op, rand, k);
      const { lo, hi } = await bounds.bound(box);
      const degenerate = box.lo.every((l, b) => l.every((v, i) => v === box.hi[b][i]));
      const inside = (check: string, j: number, y: ArrayLike<number>, b: OutputBounds = { lo, hi }) => {
        for (let i = 0; i < y.length; i++) {
          comparisons++;
          if (!(b.lo[i] <= y[i] && y[i] <= b.hi[i])) violations.push({ box: k, point: j, index: i, check, value: y[i], lo: b.lo[i], hi: b.hi[i] });
        }
      };
      for (let j0 = 0; j0 < perBox; j0 += BATCH) {
        const xs = Array.from({ length: Math.min(BATCH, perBox - j0) }, (_, p) => pointOf(box, j0 + p, rand));
        const ys = await evaluate(f32, xs, 'float32');
        const zs = f64 ? await evaluate(f64, xs, 'float64') : undefined;
        const at = bounds.boundAt ? await bounds.boundAt(box, xs) : undefined;
        xs.forEach((x, p) => {
          const j = j0 + p, y = ys[p];
          inside('float32', j, y);
          if (zs) inside('float64', j, zs[p]);
          if (at) {
            inside('float32 at point', j, y, at[p]);
            if (zs) inside('float64 at point', j, zs[p], at[p]);
          }
          if (unary) inside('float64', j, Array.from(x[0], (v) => unary(v)));
          if (spec.exact && !bounder.widens && j < 2) {
            const want = j === 0 ? lo : hi;
            for (let i = 0; i < y.length; i++) {
              if (want[i] !== y[i]) violations.push({ box: k, point: j, index: i, check: j === 0 ? 'exact lo' : 'exact hi', value: y[i], lo: lo[i], hi: hi[i] });
            }
          }
          if (degenerate && j === 0) {
            for (let i = 0; i < y.length; i++) {
              const w = (hi[i] - lo[i]) / (1 + Math.abs(y[i]));
              maxDegenerateWidth = Math.max(maxDegenerateWidth, w);
              if (!(w <= Math.max(spec.degenerateWidth ?? 1e-4, bounder.degenerateWidth ?? 0))) violations.push({ box: k, point: j, index: i, check: 'degenerate width', value: y[i], lo: lo[i], hi: hi[i] });
            }
          }
        });
      }
    }
  } finally {
    await bounds.close();
    await f32.release();
    await f64?.release();
  }
  return { method: bounder.name, seed, boxes: nBoxes, points: nBoxes * perBox, comparisons, violations, maxDegenerateWidth };
}

/** The first violations as text, for a test's failure message. */
export function describeViolations(r: PropertyResult, max = 5): string {
  const head = r.violations.slice(0, max).map((v) => `box ${v.box} point ${v.point} [${v.index}] ${v.check}: ${v.value} ∉ [${v.lo}, ${v.hi}]`);
  return `${r.method}, seed ${r.seed}: ${r.violations.length} violation(s)${head.length ? `\n${head.join('\n')}` : ''}`;
}

/**
 * The usual assertion body: the check finds no violation and evaluated ≥ 10,000 points.
 * Returns the result for further assertions.
 */
export async function expectSound(spec: PropertySpec, bounder?: Bounder): Promise<PropertyResult> {
  // Without a bounder: IBP, and CROWN too where the op's rule has CROWN bounds (every rule, every method).
  const methods = bounder ? [bounder] : [ibpBounder, ...(boundRule(spec.opType)?.crown ? [crownBounder()] : [])];
  let first: PropertyResult | undefined;
  for (const m of methods) {
    let r: PropertyResult;
    try {
      r = await checkBounds(spec, m);
    } catch (e) {
      // CROWN's contract is per sample (dim 0 is the batch): a spec that mixes samples is refused, cleanly.
      if (!bounder && m !== ibpBounder && e instanceof UnsupportedOpError) continue;
      throw e;
    }
    if (r.violations.length) throw new Error(describeViolations(r));
    if (r.points < 10_000) throw new Error(`only ${r.points} points evaluated (at least 10,000 required)`);
    first ??= r;
  }
  return first!;
}

/** Builds the op's interval graph expecting the rule to refuse: returns the error (UnsupportedOpError). */
export async function unsupportedReason(spec: PropertySpec): Promise<Error> {
  const op = await opUnderTest(spec);
  try {
    opIntervalGraph(op);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`${spec.opType}: the rule accepted the op`);
}
