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
import { Graph, Model, Node, numel } from '../onnx/ir';
import { findClassifierIO } from '../onnx/classifier';
import { topologicalOrder } from '../onnx/topo';
import { GraphWriter } from '../onnx/graph-writer';
import type { ShapeInfo } from '../onnx/shapes';
import { CrownBuilder } from './crown-context';
import { CROWN_RELATIVE } from './float-error';
import { CENTER, EPS, HI, LABELS, LO, MARGIN_LO } from './names';
import { boundsModel, constantValues, onPathTo, usedInitializers, usedNames, valueMeta } from './propagate';
import { boundRule } from './registry';
import type { BoundGraph } from './ibp-graph';
import type { BoundRule, CrownRule, Relaxation } from './types';

/** Float64 entries of one chunk of rows of the widest intermediate (per point). */
export const DEFAULT_ROW_BUDGET = 1 << 22;

export interface CrownGraphOptions {
  norm: 'linf' | 'l2';
  /** Replaces the registry (tests). */
  rules?: (opType: string) => BoundRule | undefined;
  /** Float64 entries per point of the largest intermediate of one chunk of rows. */
  rowBudget?: number;
}

/** A CROWN graph: inputs LO, HI (L∞, float64) or CENTER (float32), EPS (float64) (L2), and LABELS; output MARGIN_LO (float32). */
export interface CrownGraph extends BoundGraph {
  norm: 'linf' | 'l2';
  /** Estimated peak bytes per point of one run. */
  bytesPerPoint: number;
}

interface Bound { value: string; mag: string }

/**
 * Builds the CROWN bound graph of a canonical float32 classifier.
 * @throws UnsupportedOpError when an op on the input→logits path has no CROWN rule.
 */
export function buildCrownGraph(model: Model, shapes: ShapeInfo, opts: CrownGraphOptions): CrownGraph {
  const graph = model.graph;
  const rules = opts.rules ?? boundRule;
  const cls = findClassifierIO(model, shapes);
  if (valueMeta(shapes, cls.input).dtype !== 'float32') throw new UnsupportedOpError('bounds are computed for float32 models');
  const inputs = opts.norm === 'linf' ? [LO, HI, LABELS] : [CENTER, EPS, LABELS];
  const used = usedNames(graph, [...inputs, MARGIN_LO]);
  const w = new GraphWriter(used);
  const consts = constantValues(graph, shapes);
  const boundedValues = new Set([cls.input]);
  const nodes: { node: Node; rule: CrownRule }[] = [];
  for (const n of onPathTo(topologicalOrder(graph), [cls.logits])) {
    if (!n.inputs.some((i) => boundedValues.has(i))) continue;
    const rule = rules(n.opType)?.crown;
    if (!rule) throw new UnsupportedOpError(`no CROWN rule for op ${n.opType} (node '${n.name}') on the input→logits path`, { opType: n.opType, node: n.name });
    nodes.push({ node: n, rule });
    n.outputs.forEach((o) => o && boundedValues.add(o));
  }
  if (!boundedValues.has(cls.logits)) throw new UnsupportedOpError(`the logits '${cls.logits}' do not depend on the input`);
  const shapeOf = (v: string) => valueMeta(shapes, v).shape;
  const b = new CrownBuilder(w, consts, shapeOf, (v) => boundedValues.has(v));
  const P = 'crown';
  const op = (t: string, ins: string[], attrs = {}) => b.op(P, t, ins, attrs);
  const sample = shapeOf(cls.input).slice(1);
  const nIn = numel(sample);
  const col = (v: string) => op('Reshape', [op('Cast', [v], { to: 11 }), b.ints(P, [-1, nIn, 1])]);

  // The threat set, as what concretisation needs (computed once in the outer graph).
  let concretise: (e: CrownBuilder, A3: string, R: number) => Bound;
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
  function rows(e: CrownBuilder, v: string, R: number): string {
    return e.op(P, 'Reshape', [v, e.ints(P, [-1, R])]);
  }
  const sumRows = (e: CrownBuilder, t: string, R: number) => e.op(P, 'ReduceSum', [e.op(P, 'Reshape', [t, e.ints(P, [0, R, -1])]), e.ints(P, [2])], { keepdims: 0 });
  const relaxations = new Map<string, Relaxation>();
  const intermediate = new Map<string, { l: string; u: string }>();

  /** Lower bound of Σ A0·start over the threat set, A0 [1 or B, R, ...start's shape]; lowered by the float margin. */
  function pass(e: CrownBuilder, start: string, A0: string, R: number): string {
    const op = (t: string, ins: string[], attrs = {}) => e.op(P, t, ins, attrs);
    const As = new Map<string, string>([[start, A0]]);
    const offs: string[] = [];
    const mags: string[] = [];
    for (let k = nodes.length - 1; k >= 0; k--) {
      const { node, rule } = nodes[k];
      const A = As.get(node.outputs[0]);
      if (!A) continue;
      As.delete(node.outputs[0]);
      const ctx = e.context(node, R);
      const sends: [string, string][] = [];
      if (rule.kind === 'bounded') {
        const lu = intermediate.get(node.inputs[0]);
        if (!lu) throw new UnsupportedOpError(`internal: no bounds for '${node.inputs[0]}'`);
        const r = rule.backward(ctx, A, lu.l, lu.u);
        sends.push([node.inputs[0], r.input]);
        if (r.offset) { offs.push(r.offset); mags.push(r.magnitude ?? op('Abs', [r.offset])); }
      } else if (rule.kind === 'relaxed') {
        const r = relaxations.get(node.outputs[0]);
        if (!r) throw new UnsupportedOpError(`internal: no relaxation for '${node.outputs[0]}'`);
        const u1 = (t: string) => op('Unsqueeze', [t, e.ints(P, [1])]);
        const pos = op('Relu', [A]);
        const neg = op('Sub', [A, pos]);
        sends.push([node.inputs[0], op('Add', [op('Mul', [pos, u1(r.al)]), op('Mul', [neg, u1(r.au)])])]);
        const parts = [r.bl ? op('Mul', [pos, u1(r.bl)]) : undefined, r.bu ? op('Mul', [neg, u1(r.bu)]) : undefined].filter((v): v is string => !!v);
        if (parts.length) {
          const t = parts.length === 2 ? op('Add', parts) : parts[0];
          offs.push(sumRows(e, t, R));
          mags.push(sumRows(e, op('Abs', [t]), R));
        }
      } else {
        const f0 = rule.offset?.(ctx);
        if (f0 && f0.some((v) => v !== 0)) {
          const A3 = op('Reshape', [A, e.ints(P, [0, R, -1])]);
          offs.push(rows(e, op('MatMul', [A3, e.float64(P, [f0.length, 1], f0)]), R));
          mags.push(rows(e, op('MatMul', [op('Abs', [A3]), e.float64(P, [f0.length, 1], Array.from(f0, Math.abs))]), R));
        }
        rule.backward(ctx, A).forEach((g, i) => { if (g && ctx.bounded(i)) sends.push([node.inputs[i], g]); });
      }
      for (const [name, g] of sends) {
        const prev = As.get(name);
        As.set(name, prev ? op('Add', [prev, g]) : g);
      }
    }
    const Ain = As.get(cls.input);
    const parts: Bound[] = [];
    if (Ain) parts.push(concretise(e, op('Reshape', [Ain, e.ints(P, [0, R, nIn])]), R));
    offs.forEach((o, i) => parts.push({ value: o, mag: mags[i] }));
    if (!parts.length) throw new UnsupportedOpError(`'${start}' does not depend on the input`);
    const value = parts.map((p) => p.value).reduce((x, y) => op('Add', [x, y]));
    const mag = parts.map((p) => p.mag).reduce((x, y) => op('Add', [x, y]));
    return op('Sub', [value, op('Mul', [mag, e.scalar(P, CROWN_RELATIVE)])]);
  }

  // Intermediate bounds of every relaxed op's input, in order.
  // Entries per row of the largest intermediate of a pass that starts after node k (widestUpTo[k + 1]).
  const widestUpTo = [nIn];
  nodes.forEach(({ node, rule }) => {
    const ctx = b.context(node, 1);
    const own = Math.max(numel(ctx.outShape()), ...node.inputs.filter((v) => boundedValues.has(v)).map((v) => numel(shapeOf(v).slice(1))));
    widestUpTo.push(Math.max(widestUpTo[widestUpTo.length - 1], rule.kind === 'linear' && rule.scratch ? Math.max(own, rule.scratch(ctx)) : own));
  });
  const widest = widestUpTo[widestUpTo.length - 1];
  const producer = new Map(nodes.flatMap(({ node }, k) => node.outputs.map((o) => [o, k] as const)));
  const budget = opts.rowBudget ?? DEFAULT_ROW_BUDGET;
  let maxBytes = 8 * cls.numClasses * widest;
  /** CROWN bounds of t: l = pass(identity rows), u = −pass(−identity rows), rows in chunks of a Loop. */
  const boundsOf = (t: string): { l: string; u: string } => {
    const shape = shapeOf(t).slice(1);
    const n = numel(shape);
    const wide = widestUpTo[(producer.get(t) ?? -1) + 1];
    const m = Math.min(n, Math.max(1, Math.floor(budget / (2 * wide))));
    const chunks = Math.ceil(n / m);
    maxBytes = Math.max(maxBytes, 8 * 2 * m * wide);
    // Rows s·m … s·m + m − 1 of the identity (rows past n are 0 and dropped below), then their negatives.
    const chunkBound = (e: CrownBuilder, first: string) => {
      const idx = e.op(P, 'Add', [e.op(P, 'Mul', [first, e.ints(P, [m], [])]), e.ints(P, Array.from({ length: m }, (_, i) => i))]);
      const E = e.op(P, 'Cast', [e.op(P, 'Equal', [e.op(P, 'Unsqueeze', [idx, e.ints(P, [1])]), e.ints(P, Array.from({ length: n }, (_, i) => i), [1, n])])], { to: 11 });
      const A0 = e.op(P, 'Reshape', [e.op(P, 'Concat', [E, e.op(P, 'Neg', [E])], { axis: 0 }), e.ints(P, [1, 2 * m, ...shape])]);
      return pass(e, t, A0, 2 * m);
    };
    let all: string; // [B, chunks, 2m]
    if (chunks === 1) {
      all = op('Unsqueeze', [chunkBound(b, b.ints(P, [0], [])), b.ints(P, [1])]);
    } else {
      const body = new GraphWriter(used);
      const iter = body.fresh('crown_chunk'), condIn = body.fresh('crown_cond');
      const lb = chunkBound(b.into(body), iter);
      const condOut = body.op(P, 'Identity', [condIn])[0];
      const bodyGraph: Graph = {
        name: body.fresh('crown_rows'), nodes: body.nodes,
        inputs: [{ name: iter, dtype: 'int64', shape: [] }, { name: condIn, dtype: 'bool', shape: [] }],
        outputs: [{ name: condOut, dtype: 'bool', shape: [] }, { name: lb, dtype: 'float64' }],
        initializers: new Map(), valueInfo: new Map(),
      };
      const scanned = w.fresh(`${P}/Loop`);
      w.nodes.push({ name: w.fresh(`${P}/Loop_node`), opType: 'Loop', domain: '', inputs: [b.ints(P, [chunks], []), ''], outputs: [scanned], attributes: new Map([['body', { type: 'graph', value: bodyGraph }]]) });
      all = op('Transpose', [scanned], { perm: [1, 0, 2] });
    }
    const halves = op('Reshape', [all, b.ints(P, [0, chunks, 2, m])]);
    const side = (k: number) => op('Reshape', [
      op('Slice', [op('Reshape', [op('Gather', [halves, b.ints(P, [k], [])], { axis: 2 }), b.ints(P, [0, chunks * m])]), b.ints(P, [0]), b.ints(P, [n]), b.ints(P, [1])]),
      b.ints(P, [0, ...shape]),
    ]);
    return { l: side(0), u: op('Neg', [side(1)]) };
  };
  /** Bounds of t: of a monotone relaxed op's output, f(l) and f(u) of its input's; else boundsOf. */
  const producerNode = new Map(nodes.flatMap((e) => e.node.outputs.map((o) => [o, e] as const)));
  const intermediateOf = (t: string): { l: string; u: string } => {
    const known = intermediate.get(t);
    if (known) return known;
    const p = producerNode.get(t);
    const into = p && p.rule.kind === 'relaxed' && p.rule.monotone ? intermediate.get(p.node.inputs[0]) : undefined;
    let lu: { l: string; u: string };
    if (p && into && p.rule.kind === 'relaxed' && p.rule.monotone) {
      const ctx = b.context(p.node, 0);
      const [fl] = ctx.apply([into.l]), [fu] = ctx.apply([into.u]);
      const slack = (v: string) => op('Mul', [op('Abs', [v]), b.scalar(P, CROWN_RELATIVE)]);
      lu = p.rule.monotone === 'exact' ? { l: fl, u: fu } : { l: op('Sub', [fl, slack(fl)]), u: op('Add', [fu, slack(fu)]) };
    } else {
      lu = boundsOf(t);
    }
    intermediate.set(t, lu);
    return lu;
  };
  for (const { node, rule } of nodes) {
    if (rule.kind === 'linear') continue;
    const lu = intermediateOf(node.inputs[0]);
    if (rule.kind === 'relaxed') relaxations.set(node.outputs[0], rule.relax(b.context(node, 0), lu.l, lu.u));
  }

  // Margins: rows C = e_y − e_j.
  const K = cls.numClasses;
  const logitShape = shapeOf(cls.logits).slice(1);
  const onehot = op('Cast', [op('Equal', [op('Unsqueeze', [LABELS, b.ints(P, [1])]), b.ints(P, Array.from({ length: K }, (_, i) => i), [1, K])])], { to: 11 });
  const eye = b.float64(P, [1, K, K], Array.from({ length: K * K }, (_, i) => (i % (K + 1) === 0 ? 1 : 0)));
  const C = op('Reshape', [op('Sub', [op('Unsqueeze', [onehot, b.ints(P, [1])]), eye]), b.ints(P, [-1, K, ...logitShape])]);
  const margin = pass(b, cls.logits, C, K);
  // Round down to float32: v − (|v|·2⁻²² + 1e-37) lies below v by more than float32's rounding of it.
  const down = op('Sub', [margin, op('Add', [op('Mul', [op('Abs', [margin]), b.scalar(P, 2 ** -22)]), b.scalar(P, 1e-37)])]);
  w.nodes.push({ name: w.fresh('margin_out'), opType: 'Cast', domain: '', inputs: [down], outputs: [MARGIN_LO], attributes: new Map([['to', { type: 'int', value: 1 }]]) });

  const batchDim = cls.batched ? 'N' : 1;
  const declared = opts.norm === 'linf'
    ? [{ name: LO, dtype: 'float64' as const, shape: [batchDim, ...sample] }, { name: HI, dtype: 'float64' as const, shape: [batchDim, ...sample] }]
    : [{ name: CENTER, dtype: 'float32' as const, shape: [batchDim, ...sample] }, { name: EPS, dtype: 'float64' as const, shape: [batchDim] }];
  const out: Graph = {
    name: `${graph.name}_crown`,
    nodes: onPathTo(w.nodes, [MARGIN_LO]),
    inputs: [...declared, { name: LABELS, dtype: 'int64', shape: [batchDim] }],
    outputs: [{ name: MARGIN_LO, dtype: 'float32', shape: [batchDim, K] }],
    initializers: usedInitializers([...w.initializers], w.nodes),
    valueInfo: new Map(),
  };
  return {
    model: boundsModel(out), numClasses: K, batched: cls.batched, inputShape: sample, norm: opts.norm,
    bytesPerPoint: 8 * maxBytes,
  };
}
