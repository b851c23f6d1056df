/**
 * The CROWN bound graph of a classifier (Zhang et al. 2018, "Efficient Neural Network Robustness
 * Certification with General Activation Functions", arXiv:1811.00866; the graph form of Xu et al.
 * 2020, auto_LiRPA, arXiv:2002.12920).
 *
 * A backward pass bounds min Σ A·t over the threat set for rows A of a tensor t: from t's producer
 * back to the input, affine ops send A through their adjoint and add A·f(0) to an offset; a
 * nonlinearity y = s(x) with relaxation al·x + bl ≤ s(x) ≤ au·x + bu sends A⁺·al + A⁻·au and adds
 * A⁺·bl + A⁻·bu; values with several consumers sum what they receive. At the input the linear
 * function is concretised: L∞ (the box [lo, hi]) Σ A⁺·lo + A⁻·hi; L2 (the ball around x₀)
 * A·x₀ − ε‖A‖₂, the dual norm.
 *
 * Intermediate bounds: for every input t of a relaxed op (or of MaxPool), in topological order, l = pass(rows =
 * identity) and u = −pass(rows = −identity) (CROWN throughout, never intersected with IBP; rows in
 * chunks that fit a budget). Margins: one pass from the logits with rows C = e_y − e_j, so the
 * specification folds into the last linear layer. The whole graph is float64; each concretised
 * bound is lowered by the documented margin of ./float-error.ts (CROWN_RELATIVE) and the margins
 * are rounded down to float32.
 */
import { UnsupportedOpError } from '../errors';
import { Graph, Model, numel } from '../onnx/ir';
import { findClassifierIO } from '../onnx/classifier';
import type { ShapeInfo } from '../onnx/shapes';
import type { CrownBuilder } from './crown-context';
import { Concretise, crownEngine } from './crown-propagation';
import { CENTER, EPS, HI, LABELS, LO, MARGIN_EXACT, MARGIN_LO } from './names';
import { CROWN_EVAL32, CROWN_EVAL32_ABSOLUTE } from './float-error';
import { boundsModel, onPathTo, usedInitializers, usedNames, valueMeta } from './propagate';
import type { BoundGraph } from './ibp-graph';
import type { BoundRule } from './types';

export { DEFAULT_ROW_BUDGET } from './crown-propagation';

export interface CrownGraphOptions {
  norm: 'linf' | 'l2';
  /** Replaces the registry (tests). */
  rules?: (opType: string) => BoundRule | undefined;
  /** Float64 entries per point of the largest intermediate of one chunk of rows. */
  rowBudget?: number;
}

/**
 * A CROWN graph: inputs LO, HI (L∞, float64) or CENTER (float32), EPS (float64) (L2), and LABELS;
 * outputs MARGIN_LO (the certified margins, float32) and MARGIN_EXACT (the exact network's, without
 * the float32-evaluation allowance: what the float64 reference computes).
 */
export interface CrownGraph extends BoundGraph {
  norm: 'linf' | 'l2';
  /** Estimated peak bytes per point of one run. */
  bytesPerPoint: number;
}

/**
 * Builds the CROWN bound graph of a canonical float32 classifier.
 * @throws UnsupportedOpError when an op on the input→logits path has no CROWN rule.
 */
export function buildCrownGraph(model: Model, shapes: ShapeInfo, opts: CrownGraphOptions): CrownGraph {
  const graph = model.graph;
  const cls = findClassifierIO(model, shapes);
  if (valueMeta(shapes, cls.input).dtype !== 'float32') throw new UnsupportedOpError('bounds are computed for float32 models');
  const used = usedNames(graph, [LO, HI, CENTER, EPS, LABELS, MARGIN_LO, MARGIN_EXACT]);
  const sample = valueMeta(shapes, cls.input).shape.slice(1);
  const nIn = numel(sample);
  let concretise: Concretise | undefined;
  const P = 'crown';
  // The L∞ box in float64, [B, ...sample], for the exact first layer.
  const boxes = new Map<string, { lo: string; hi: string }>();
  const engine = crownEngine(graph, shapes, used, new Map([[cls.input, (e: CrownBuilder, A3: string, R: number) => concretise!(e, A3, R)]]), cls.logits, { ...opts, boxes });
  const { b, w } = engine;
  const op = (t: string, ins: string[], attrs = {}) => b.op(P, t, ins, attrs);
  if (opts.norm === 'linf') boxes.set(cls.input, { lo: op('Cast', [LO], { to: 11 }), hi: op('Cast', [HI], { to: 11 }) });
  const col = (v: string) => op('Reshape', [op('Cast', [v], { to: 11 }), b.ints(P, [-1, nIn, 1])]);
  const rows = (e: CrownBuilder, v: string, R: number) => e.op(P, 'Reshape', [v, e.ints(P, [-1, R])]);
  // The threat set, as what concretisation needs (computed once in the outer graph).
  if (opts.norm === 'linf') {
    const lo = col(LO), hi = col(HI);
    const size = op('Max', [op('Abs', [lo]), op('Abs', [hi])]);
    concretise = (e, A3, R) => {
      const pos = e.op(P, 'Relu', [A3]);
      const neg = e.op(P, 'Sub', [A3, pos]);
      const value = e.op(P, 'Add', [e.op(P, 'MatMul', [pos, lo]), e.op(P, 'MatMul', [neg, hi])]);
      return { value: rows(e, value, R), mag: rows(e, e.op(P, 'MatMul', [e.op(P, 'Abs', [A3]), size]), R) };
    };
  } else {
    const c = col(CENTER);
    const eps = op('Reshape', [op('Cast', [EPS], { to: 11 }), b.ints(P, [-1, 1])]);
    const absC = op('Abs', [c]);
    concretise = (e, A3, R) => {
      const dual = e.op(P, 'Mul', [eps, e.op(P, 'ReduceL2', [A3], { axes: [2], keepdims: 0 })]);
      const value = e.op(P, 'Sub', [rows(e, e.op(P, 'MatMul', [A3, c]), R), dual]);
      return { value, mag: e.op(P, 'Add', [rows(e, e.op(P, 'MatMul', [e.op(P, 'Abs', [A3]), absC]), R), dual]) };
    };
  }
  const shapeOf = (v: string) => valueMeta(shapes, v).shape;
  // Relaxations (and the intermediate bounds they need) in topological order.
  engine.prepare();

  // Margins: rows C = e_y − e_j.
  const K = cls.numClasses;
  const logitShape = shapeOf(cls.logits).slice(1);
  const onehot = op('Cast', [op('Equal', [op('Unsqueeze', [LABELS, b.ints(P, [1])]), b.ints(P, Array.from({ length: K }, (_, i) => i), [1, K])])], { to: 11 });
  const eye = b.float64(P, [1, K, K], Array.from({ length: K * K }, (_, i) => (i % (K + 1) === 0 ? 1 : 0)));
  const C = op('Reshape', [op('Sub', [op('Unsqueeze', [onehot, b.ints(P, [1])]), eye]), b.ints(P, [-1, K, ...logitShape])]);
  // Round down to float32: v − (|v|·2⁻²² + 1e-37) lies below v by more than float32's rounding of it.
  const out32 = (margin: string, name: string) => {
    const down = op('Sub', [margin, op('Add', [op('Mul', [op('Abs', [margin]), b.scalar(P, 2 ** -22)]), b.scalar(P, 1e-37)])]);
    w.nodes.push({ name: w.fresh(`${name}_out`), opType: 'Cast', domain: '', inputs: [down], outputs: [name], attributes: new Map([['to', { type: 'int', value: 1 }]]) });
  };
  // The exact network's margins, and the certified ones: lowered for the model's float32 evaluation.
  out32(engine.pass(b, cls.logits, C, K), MARGIN_EXACT);
  out32(engine.pass(b, cls.logits, C, K, CROWN_EVAL32, CROWN_EVAL32_ABSOLUTE), MARGIN_LO);

  const batchDim = cls.batched ? 'N' : 1;
  const declared = opts.norm === 'linf'
    ? [{ name: LO, dtype: 'float64' as const, shape: [batchDim, ...sample] }, { name: HI, dtype: 'float64' as const, shape: [batchDim, ...sample] }]
    : [{ name: CENTER, dtype: 'float32' as const, shape: [batchDim, ...sample] }, { name: EPS, dtype: 'float64' as const, shape: [batchDim] }];
  const out: Graph = {
    name: `${graph.name}_crown`,
    nodes: onPathTo(w.nodes, [MARGIN_LO, MARGIN_EXACT]),
    inputs: [...declared, { name: LABELS, dtype: 'int64', shape: [batchDim] }],
    outputs: [{ name: MARGIN_LO, dtype: 'float32', shape: [batchDim, K] }, { name: MARGIN_EXACT, dtype: 'float32', shape: [batchDim, K] }],
    initializers: usedInitializers([...w.initializers], w.nodes),
    valueInfo: new Map(),
  };
  return {
    model: boundsModel(out), numClasses: K, batched: cls.batched, inputShape: sample, norm: opts.norm,
    bytesPerPoint: engine.bytesPerPoint(),
  };
}
