/**
 * The engine of the CROWN graphs (./crown-graph.ts; Zhang et al. 2018, arXiv:1811.00866; the
 * graph form of Xu et al. 2020, arXiv:2002.12920): backward passes over the bounded part of a
 * graph, CROWN intermediate bounds of every relaxed op's input (rows in chunks run by an ONNX
 * Loop), and concretisation over each bounded input's threat set. See crown-graph.ts for the method.
 */
import { UnsupportedOpError } from '../errors';
import { Graph, Node, numel } from '../onnx/ir';
import { topologicalOrder } from '../onnx/topo';
import { GraphWriter } from '../onnx/graph-writer';
import type { ShapeInfo } from '../onnx/shapes';
import { CrownBuilder } from './crown-context';
import { CROWN_RELATIVE } from './float-error';
import { constantValues, onPathTo, valueMeta } from './propagate';
import { boundRule } from './registry';
import { reshapeAdjoint } from './rules/crown-common';
import type { BoundRule, CrownRule, Relaxation } from './types';

/** Float64 entries of one chunk of rows of the widest intermediate (per point). */
export const DEFAULT_ROW_BUDGET = 1 << 22;

/** A concretised bound [B, R] and the magnitude of its terms (for the float margin). */
export interface Bound { value: string; mag: string }

/** How a bounded input's rows A3 [B or 1, R, n] are concretised over its threat set. */
export type Concretise = (e: CrownBuilder, A3: string, R: number) => Bound;

export interface CrownEngine {
  b: CrownBuilder;
  w: GraphWriter;
  /** Lower bound [B, R] of Σ A0·start over the threat set, lowered by the float margin (plus extraMargin × the terms' magnitude). */
  pass(e: CrownBuilder, start: string, A0: string, R: number, extraMargin?: number, extraAbsolute?: number): string;
  /** The same pass without concretisation: the rows of each bounded input and the offset [B, R] (undefined: 0). */
  linear(e: CrownBuilder, start: string, A0: string, R: number): { As: Map<string, string>; offset?: string };
  /** Emits the intermediate bounds and relaxations of every relaxed op, in order (once, before any pass). */
  prepare(): void;
  /** CROWN bounds of a bounded value (computed once). */
  intermediateOf(t: string): { l: string; u: string };
  /** Estimated peak bytes per point of one run. */
  bytesPerPoint(): number;
}

/**
 * Prepares the backward passes of `graph` from the bounded inputs (value → its concretisation)
 * to `target`, and the relaxations of every relaxed op on the way.
 * @throws UnsupportedOpError when an op on the path has no CROWN rule or a rule rejects its use.
 */
export function crownEngine(
  graph: Graph, shapes: ShapeInfo, used: Set<string>, inputs: Map<string, Concretise>, target: string,
  opts: {
    rules?: (opType: string) => BoundRule | undefined;
    rowBudget?: number;
    /** The box [lo, hi] ([B, ...shape], float64) of a bounded input whose threat set is one (L∞). */
    boxes?: Map<string, { lo: string; hi: string }>;
  } = {},
): CrownEngine {
  const rules = opts.rules ?? boundRule;
  const w = new GraphWriter(used);
  const consts = constantValues(graph, shapes);
  const boundedValues = new Set(inputs.keys());
  const nodes: { node: Node; rule: CrownRule }[] = [];
  for (const n of onPathTo(topologicalOrder(graph), [target])) {
    if (!n.inputs.some((i) => boundedValues.has(i))) continue;
    const batch = (v: string) => valueMeta(shapes, v).shape[0];
    if (n.outputs.some((o) => o && batch(o) !== batch(n.inputs.find((i) => boundedValues.has(i))!))) {
      throw new UnsupportedOpError(`${n.opType} (node '${n.name}'), CROWN: changes the batch dimension (CROWN bounds each sample on its own)`, { opType: n.opType, node: n.name });
    }
    const rule = rules(n.opType)?.crown;
    if (!rule) throw new UnsupportedOpError(`no CROWN rule for op ${n.opType} (node '${n.name}') on the path to '${target}'`, { opType: n.opType, node: n.name });
    nodes.push({ node: n, rule });
    n.outputs.forEach((o) => o && boundedValues.add(o));
  }
  if (!boundedValues.has(target)) throw new UnsupportedOpError(`'${target}' does not depend on the bounded inputs`);
  const shapeOf = (v: string) => valueMeta(shapes, v).shape;
  const b = new CrownBuilder(w, consts, shapeOf, (v) => boundedValues.has(v));
  const P = 'crown';
  const op = (t: string, ins: string[], attrs = {}) => b.op(P, t, ins, attrs);
  const rows = (e: CrownBuilder, v: string, R: number) => e.op(P, 'Reshape', [v, e.ints(P, [-1, R])]);
  const sumRows = (e: CrownBuilder, t: string, R: number) => e.op(P, 'ReduceSum', [e.op(P, 'Reshape', [t, e.ints(P, [0, R, -1])]), e.ints(P, [2])], { keepdims: 0 });
  const relaxations = new Map<string, Relaxation>();
  const producerNode = new Map(nodes.flatMap((e) => e.node.outputs.map((o) => [o, e] as const)));
  const intermediate = new Map<string, { l: string; u: string }>();

  /** The backward pass of A0 [1 or B, R, ...start's shape]: rows at the bounded inputs, offsets and their magnitudes. */
  function backward(e: CrownBuilder, start: string, A0: string, R: number): { As: Map<string, string>; offs: string[]; mags: string[] } {
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
    for (const k of [...As.keys()]) if (!inputs.has(k)) As.delete(k);
    return { As, offs, mags };
  }

  function linear(e: CrownBuilder, start: string, A0: string, R: number): { As: Map<string, string>; offset?: string } {
    const { As, offs } = backward(e, start, A0, R);
    return { As, offset: offs.length ? offs.reduce((x, y) => e.op(P, 'Add', [x, y])) : undefined };
  }

  function pass(e: CrownBuilder, start: string, A0: string, R: number, extraMargin = 0, extraAbsolute = 0): string {
    const { As, offs, mags } = backward(e, start, A0, R);
    const parts: Bound[] = [];
    for (const [name, A] of As) parts.push(inputs.get(name)!(e, e.op(P, 'Reshape', [A, e.ints(P, [0, R, -1])]), R));
    offs.forEach((o, i) => parts.push({ value: o, mag: mags[i] }));
    if (!parts.length) throw new UnsupportedOpError(`'${start}' does not depend on the bounded inputs`);
    const value = parts.map((x) => x.value).reduce((x, y) => e.op(P, 'Add', [x, y]));
    const mag = parts.map((x) => x.mag).reduce((x, y) => e.op(P, 'Add', [x, y]));
    const lowered = e.op(P, 'Sub', [value, e.op(P, 'Mul', [mag, e.scalar(P, CROWN_RELATIVE + extraMargin)])]);
    return extraAbsolute ? e.op(P, 'Sub', [lowered, e.scalar(P, extraAbsolute)]) : lowered;
  }
  // Entries per row of the largest intermediate of a pass that starts after node k (widestUpTo[k + 1]).
  const widestUpTo = [Math.max(1, ...[...inputs.keys()].map((v) => numel(shapeOf(v).slice(1))))];
  nodes.forEach(({ node, rule }) => {
    const ctx = b.context(node, 1);
    const own = Math.max(numel(ctx.outShape()), ...node.inputs.filter((v) => boundedValues.has(v)).map((v) => numel(shapeOf(v).slice(1))));
    widestUpTo.push(Math.max(widestUpTo[widestUpTo.length - 1], rule.kind === 'linear' && rule.scratch ? Math.max(own, rule.scratch(ctx)) : own));
  });
  const widest = widestUpTo[widestUpTo.length - 1];
  const producer = new Map(nodes.flatMap(({ node }, k) => node.outputs.map((o) => [o, k] as const)));
  const budget = opts.rowBudget ?? DEFAULT_ROW_BUDGET;
  let maxBytes = 8 * 16 * widest;
  /** CROWN bounds of t: l = pass(identity rows), u = −pass(−identity rows), rows in chunks of a Loop. */
  /**
   * An affine op of a box input with a forward map: its exact bounds L(c) + f(0) ± |L|(r) with
   * c, r the box's centre and radius (what the backward pass would give, at a fraction of the cost).
   */
  const firstLayer = (t: string): { l: string; u: string } | undefined => {
    const p = producerNode.get(t);
    if (!p || p.rule.kind !== 'linear' || !p.rule.forward) return undefined;
    const box = boxOf(p.node.inputs[0]);
    if (!box || p.node.inputs.some((v, i) => i > 0 && boundedValues.has(v))) return undefined;
    const ctx = b.context(p.node, 1);
    const c = op('Mul', [op('Add', [box.lo, box.hi]), b.scalar(P, 0.5)]);
    const r = op('Mul', [op('Sub', [box.hi, box.lo]), b.scalar(P, 0.5)]);
    const f0 = p.rule.offset?.(ctx);
    const shape = shapeOf(t).slice(1);
    const centre = p.rule.forward(ctx, c, false);
    const yc = f0 ? op('Add', [centre, b.float64(P, shape, f0)]) : centre;
    const yr = p.rule.forward(ctx, r, true);
    const terms = p.rule.forward(ctx, op('Add', [op('Abs', [c]), r]), true);
    const mag = f0 ? op('Add', [terms, b.float64(P, shape, Array.from(f0, Math.abs))]) : terms;
    const slack = op('Add', [yr, op('Mul', [mag, b.scalar(P, CROWN_RELATIVE)])]);
    return { l: op('Sub', [yc, slack]), u: op('Add', [yc, slack]) };
  };
  /** The box of a value that is a graph input's, or a reshape of one. */
  const boxes = new Map(opts.boxes ?? []);
  function boxOf(v: string): { lo: string; hi: string } | undefined {
    const known = boxes.get(v);
    if (known) return known;
    const p = producerNode.get(v);
    if (!p || p.rule !== reshapeAdjoint) return undefined;
    const from = boxOf(p.node.inputs[0]);
    if (!from) return undefined;
    const to = b.ints(P, [0, ...shapeOf(v).slice(1)]);
    const box = { lo: op('Reshape', [from.lo, to]), hi: op('Reshape', [from.hi, to]) };
    boxes.set(v, box);
    return box;
  }
  const boundsOf = (t: string): { l: string; u: string } => {
    const direct = firstLayer(t);
    if (direct) return direct;
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
  const prepare = () => {
    for (const { node, rule } of nodes) {
      if (rule.kind === 'linear') continue;
      const lu = intermediateOf(node.inputs[0]);
      if (rule.kind === 'relaxed') relaxations.set(node.outputs[0], rule.relax(b.context(node, 0), lu.l, lu.u));
    }
  };

  return { b, w, prepare, pass, linear, intermediateOf, bytesPerPoint: () => 8 * maxBytes };
}
