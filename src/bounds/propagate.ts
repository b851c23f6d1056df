/**
 * Interval propagation through a graph, the part of every bound graph that does not depend on
 * what is bounded at the end: from intervals of some inputs, every op on the path to the targets
 * is bounded by its rule (registry.ts); values that do not depend on those inputs are computed by
 * the model's own nodes, copied unchanged. buildIbpGraph (ibp-graph.ts) adds the classifier's
 * specification on top; buildIntervalGraph exposes the interval of any value (for the rule
 * property tests, testing/property.ts, and for layers that want a value's own interval).
 */
import { UnsupportedOpError } from '../errors';
import { Graph, Model, Node, TensorValue, ValueInfo, attrTensor } from '../onnx/ir';
import { topologicalOrder } from '../onnx/topo';
import { GraphWriter } from '../onnx/graph-writer';
import type { ShapeInfo, ValueMeta } from '../onnx/shapes';
import { GAUNTLET_VERSION } from '../version';
import { IbpBuilder } from './ibp-context';
import { boundRule, boundedOps } from './registry';
import type { BoundRule, Interval } from './types';
import { HI, LO, OUT_HI, OUT_LO } from './names';

/** Opset of the emitted bound graphs (the canonical opset). */
export const BOUNDS_OPSET = 17;

/** The state of a propagation: the builder (intervals by value name), the path, the copied nodes. */
export interface Propagation {
  builder: IbpBuilder;
  /** The nodes the targets depend on, in topological order. */
  order: Node[];
  /** Nodes of `order` that depend on no bounded value: copied into the bound graph unchanged. */
  copied: Node[];
}

/**
 * Bounds every value on the path from `bounded` (value name → its interval's value names) to
 * `targets` by the registry's rules.
 * @param reserved names the caller will use in the bound graph (its inputs and outputs).
 * @param rules looks up an op's rule (the registry; tests plant others).
 * @throws UnsupportedOpError when an op on the path that depends on a bounded value has no rule
 *   (its message names the op and the node), or a rule rejects its use.
 */
export function propagateIntervals(
  graph: Graph, shapes: ShapeInfo, bounded: ReadonlyMap<string, Interval>, targets: string[], reserved: string[],
  rules: (opType: string) => BoundRule | undefined = boundRule,
): Propagation {
  const w = new GraphWriter(usedNames(graph, reserved));
  const consts = constantValues(graph, shapes);
  const order = onPathTo(topologicalOrder(graph), targets);
  const intervals = new Map<string, Interval>(bounded);
  const copied: Node[] = [];
  const builder = new IbpBuilder(w, intervals, consts, (v) => valueMeta(shapes, v).shape);
  for (const n of order) {
    if (!n.inputs.some((i) => intervals.has(i))) {
      copied.push(n);
      continue;
    }
    const rule = rules(n.opType);
    if (!rule) {
      throw new UnsupportedOpError(`no bound rule for op ${n.opType} (node '${n.name}') on the input→logits path; bounded ops: ${boundedOps().join(', ')}`, { opType: n.opType, node: n.name });
    }
    const outs = rule.ibp(builder.context(n));
    n.outputs.forEach((o, i) => { if (o && outs[i]) intervals.set(o, outs[i]); });
  }
  return { builder, order, copied };
}

/** The probe's facts on a value; UnsupportedOpError when there are none. */
export function valueMeta(shapes: ShapeInfo, v: string): ValueMeta {
  const m = shapes.get(v);
  if (!m) throw new UnsupportedOpError(`no shape information for value '${v}'`);
  return m;
}

/** Names of the interval graph's inputs for the i-th bounded value (i = 0: bounds_lo, bounds_hi). */
export function intervalInputNames(i: number): Interval {
  return i === 0 ? { lo: LO, hi: HI } : { lo: `${LO}_${i}`, hi: `${HI}_${i}` };
}

/** An interval graph and its inputs. */
export interface IntervalGraph {
  model: Model;
  /** For each bounded value, in the order given: the names of its lower and upper bound inputs. */
  inputs: Interval[];
  /** The output names of the target's elementwise bounds (interval_lo, interval_hi). */
  output: Interval;
}

/**
 * A standard ONNX graph computing elementwise bounds [interval_lo, interval_hi] of the value
 * `output` of a float32 model over boxes of the `inputs` (each fed as bounds_lo[_i], bounds_hi[_i],
 * shaped as the graph declares that input, else as the probe saw it).
 * @throws UnsupportedOpError as propagateIntervals, or when `output` does not depend on the inputs.
 */
export function buildIntervalGraph(model: Model, shapes: ShapeInfo, opts: { inputs: string[]; output: string }): IntervalGraph {
  const graph = model.graph;
  const names = opts.inputs.map((_, i) => intervalInputNames(i));
  const bounded = new Map(opts.inputs.map((v, i) => [v, names[i]]));
  const reserved = [...names.flatMap((n) => [n.lo, n.hi]), OUT_LO, OUT_HI];
  const { builder, copied } = propagateIntervals(graph, shapes, bounded, [opts.output], reserved);
  const y = builder.intervals.get(opts.output);
  if (!y) throw new UnsupportedOpError(`the value '${opts.output}' does not depend on the bounded inputs`);
  const w = builder.w;
  const copy = (from: string, to: string) => w.nodes.push({ name: w.fresh(`${to}_out`), opType: 'Identity', domain: '', inputs: [from], outputs: [to], attributes: new Map() });
  copy(y.lo, OUT_LO);
  copy(y.hi, OUT_HI);
  const declared = (v: string): ValueInfo['shape'] => graph.inputs.find((i) => i.name === v)?.shape ?? valueMeta(shapes, v).shape;
  const nodes = pruneDead([...copied, ...w.nodes], [OUT_LO, OUT_HI]);
  const out: Graph = {
    name: `${graph.name}_intervals`,
    nodes,
    inputs: opts.inputs.flatMap((v, i) => [
      { name: names[i].lo, dtype: 'float32' as const, shape: declared(v) },
      { name: names[i].hi, dtype: 'float32' as const, shape: declared(v) },
    ]),
    outputs: [{ name: OUT_LO, dtype: 'float32' }, { name: OUT_HI, dtype: 'float32' }],
    initializers: usedInitializers([...graph.initializers, ...w.initializers], nodes),
    valueInfo: new Map(),
  };
  return { model: boundsModel(out), inputs: names, output: { lo: OUT_LO, hi: OUT_HI } };
}

/** A bound graph as a model of the bounds opset. */
export function boundsModel(graph: Graph): Model {
  return { irVersion: 8, opsetImports: new Map([['', BOUNDS_OPSET]]), producerName: 'gauntlet-bounds', producerVersion: GAUNTLET_VERSION, graph };
}

/** The initializers that `nodes` read (their subgraphs' outer-scope reads included). */
export function usedInitializers(entries: [string, TensorValue][], nodes: Node[]): Map<string, TensorValue> {
  const out = new Map(entries);
  const used = new Set(nodes.flatMap(reads));
  for (const k of [...out.keys()]) if (!used.has(k)) out.delete(k);
  return out;
}

/** The nodes the targets depend on, in order. */
export function onPathTo(order: Node[], targets: string[]): Node[] {
  const producer = new Map<string, Node>();
  order.forEach((n) => n.outputs.forEach((o) => producer.set(o, n)));
  const keep = new Set<Node>();
  for (const stack = [...targets]; stack.length;) {
    const p = producer.get(stack.pop()!);
    if (p && !keep.has(p)) { keep.add(p); stack.push(...reads(p)); }
  }
  return order.filter((n) => keep.has(n));
}

/** Every node and value name of the graph, plus `reserved`: names a bound graph must not reuse. */
export function usedNames(graph: Graph, reserved: string[]): Set<string> {
  const used = new Set<string>(reserved);
  for (const n of graph.nodes) { used.add(n.name); n.outputs.forEach((o) => used.add(o)); }
  graph.inputs.forEach((v) => used.add(v.name));
  graph.initializers.forEach((_, k) => used.add(k));
  return used;
}

/** Initializers, Constant nodes, and values the probe recorded that do not depend on the input. */
export function constantValues(graph: Graph, shapes: ShapeInfo): Map<string, TensorValue> {
  const out = new Map(graph.initializers);
  for (const n of graph.nodes) {
    if (n.opType !== 'Constant') continue;
    const t = attrTensor(n, 'value');
    if (t) out.set(n.outputs[0], t);
  }
  const variable = new Set(graph.inputs.map((v) => v.name).filter((v) => !graph.initializers.has(v)));
  for (const n of topologicalOrder(graph)) {
    if (n.inputs.some((i) => variable.has(i)) || /^Random|^Bernoulli$/.test(n.opType)) {
      n.outputs.forEach((o) => variable.add(o));
      continue;
    }
    for (const o of n.outputs) {
      const v = o && !out.has(o) ? shapes.get(o)?.value : undefined;
      if (v) out.set(o, v);
    }
  }
  return out;
}

/** Keeps only the nodes the outputs depend on, in order. */
export function pruneDead(nodes: Node[], outputs: string[]): Node[] {
  return onPathTo(nodes, outputs);
}

/** What a node reads: its inputs and the outer-scope values its subgraphs (Loop bodies) read. */
export function reads(node: Node): string[] {
  const out = node.inputs.filter(Boolean);
  for (const a of node.attributes.values()) {
    if (a.type !== 'graph') continue;
    const g = a.value;
    const local = new Set([...g.inputs.map((v) => v.name), ...g.initializers.keys(), ...g.nodes.flatMap((n) => n.outputs)]);
    for (const n of g.nodes) for (const v of reads(n)) if (!local.has(v)) out.push(v);
  }
  return out;
}
