/**
 * The IBP bound graph of a classifier (Gowal et al. 2018, "On the Effectiveness of Interval
 * Bound Propagation for Training Verifiably Robust Models", arXiv:1810.12715).
 *
 * From the canonical model graph and its probe shapes, emits a standard ONNX graph with inputs
 * `bounds_lo`, `bounds_hi` (an input box per point, shaped like the model input) and `labels`,
 * and one output `margin_lo` [N, K]: for every class j a lower bound of logit_y − logit_j over
 * the whole box (j = y reads ≈ 0 and is ignored). A point is certified when every other entry
 * is > 0. Each op on the input→logits path is bounded by its rule (registry.ts); values that do
 * not depend on the input are computed by the model's own nodes, copied unchanged. The
 * specification is folded into the last linear layer (spec.ts) when the logits come from one.
 */
import { UnsupportedOpError } from '../errors';
import { DType, Graph, Model, Node, TensorValue, attrTensor } from '../onnx/ir';
import { topologicalOrder } from '../onnx/topo';
import { findClassifierIO } from '../onnx/classifier';
import { GraphWriter } from '../onnx/graph-writer';
import type { ShapeInfo } from '../onnx/shapes';
import { GAUNTLET_VERSION } from '../version';
import { IbpBuilder } from './ibp-context';
import { boundRule, boundedOps } from './registry';
import { specMargins } from './spec';
import type { BoundRule, Interval } from './types';
import { HI, LABELS, LO, MARGIN_LO } from './names';

export { LO, HI, LABELS, MARGIN_LO } from './names';

/** Opset of the emitted bound graphs (the canonical opset). */
export const BOUNDS_OPSET = 17;

/** A bound graph and what running it needs. */
export interface BoundGraph {
  model: Model;
  numClasses: number;
  /** Whether dim 0 is a free batch dimension (else one point per run). */
  batched: boolean;
  /** Per-sample input shape. */
  inputShape: number[];
}

/**
 * Builds the IBP bound graph of a canonical float32 classifier.
 * `rules` looks up an op's rule (the registry; tests plant others).
 * @throws UnsupportedOpError when an op on the input→logits path has no bound rule (its
 *   message names the op and the node): the caller reports the points as not certified.
 */
export function buildIbpGraph(model: Model, shapes: ShapeInfo, rules: (opType: string) => BoundRule | undefined = boundRule): BoundGraph {
  const graph = model.graph;
  const cls = findClassifierIO(model, shapes);
  const meta = (v: string) => {
    const m = shapes.get(v);
    if (!m) throw new UnsupportedOpError(`no shape information for value '${v}'`);
    return m;
  };
  const inputDtype: DType = meta(cls.input).dtype;
  if (inputDtype !== 'float32') throw new UnsupportedOpError(`the model's input is ${inputDtype}; bounds are computed for float32 models`);

  const used = usedNames(graph);
  const w = new GraphWriter(used);
  const consts = constantValues(graph, shapes);
  const order = onPathToLogits(topologicalOrder(graph), cls.logits);
  const intervals = new Map<string, Interval>([[cls.input, { lo: LO, hi: HI }]]);
  const copied: Node[] = [];
  const b = new IbpBuilder(w, intervals, consts, (v) => meta(v).shape);
  for (const n of order) {
    if (!n.inputs.some((i) => intervals.has(i))) {
      copied.push(n);
      continue;
    }
    const rule = rules(n.opType);
    if (!rule) {
      throw new UnsupportedOpError(`no bound rule for op ${n.opType} (node '${n.name}') on the input→logits path; bounded ops: ${boundedOps().join(', ')}`, { opType: n.opType, node: n.name });
    }
    const outs = rule.ibp(b.context(n));
    n.outputs.forEach((o, i) => { if (o && outs[i]) intervals.set(o, outs[i]); });
  }
  const logits = intervals.get(cls.logits);
  if (!logits) throw new UnsupportedOpError(`the logits '${cls.logits}' do not depend on the input`);
  const margin = specMargins(b, order, cls.logits);
  w.nodes.push({ name: w.fresh('margin_out'), opType: 'Identity', domain: '', inputs: [margin], outputs: [MARGIN_LO], attributes: new Map() });

  const sample = meta(cls.input).shape.slice(1);
  const batchDim = cls.batched ? 'N' : 1;
  const out: Graph = {
    name: `${graph.name}_ibp`,
    nodes: pruneDead([...copied, ...w.nodes], MARGIN_LO),
    inputs: [
      { name: LO, dtype: 'float32', shape: [batchDim, ...sample] },
      { name: HI, dtype: 'float32', shape: [batchDim, ...sample] },
      { name: LABELS, dtype: 'int64', shape: [batchDim] },
    ],
    outputs: [{ name: MARGIN_LO, dtype: 'float32', shape: [batchDim, cls.numClasses] }],
    initializers: new Map([...graph.initializers, ...w.initializers]),
    valueInfo: new Map(),
  };
  const usedInits = new Set(out.nodes.flatMap((n) => n.inputs));
  for (const k of [...out.initializers.keys()]) if (!usedInits.has(k)) out.initializers.delete(k);
  return {
    model: { irVersion: 8, opsetImports: new Map([['', BOUNDS_OPSET]]), producerName: 'gauntlet-bounds', producerVersion: GAUNTLET_VERSION, graph: out },
    numClasses: cls.numClasses,
    batched: cls.batched,
    inputShape: sample,
  };
}

/** The nodes the logits depend on, in order. */
function onPathToLogits(order: Node[], logits: string): Node[] {
  const producer = new Map<string, Node>();
  order.forEach((n) => n.outputs.forEach((o) => producer.set(o, n)));
  const keep = new Set<Node>();
  for (const stack = [logits]; stack.length;) {
    const p = producer.get(stack.pop()!);
    if (p && !keep.has(p)) { keep.add(p); stack.push(...p.inputs.filter(Boolean)); }
  }
  return order.filter((n) => keep.has(n));
}

function usedNames(graph: Graph): Set<string> {
  const used = new Set<string>([LO, HI, LABELS, MARGIN_LO]);
  for (const n of graph.nodes) { used.add(n.name); n.outputs.forEach((o) => used.add(o)); }
  graph.inputs.forEach((v) => used.add(v.name));
  graph.initializers.forEach((_, k) => used.add(k));
  return used;
}

/** Initializers, Constant nodes, and values the probe recorded that do not depend on the input. */
function constantValues(graph: Graph, shapes: ShapeInfo): Map<string, TensorValue> {
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

/** Keeps only the nodes `output` depends on, in order. */
function pruneDead(nodes: Node[], output: string): Node[] {
  const producer = new Map<string, Node>();
  nodes.forEach((n) => n.outputs.forEach((o) => producer.set(o, n)));
  const keep = new Set<Node>();
  for (const stack = [output]; stack.length;) {
    const p = producer.get(stack.pop()!);
    if (p && !keep.has(p)) { keep.add(p); stack.push(...p.inputs.filter(Boolean)); }
  }
  return nodes.filter((n) => keep.has(n));
}
