/**
 * Analyse: what of the forward graph the gradient needs. Finds the classifier's input and
 * logits, checks the input dtype and reserved names, folds probed constants, walks forward from
 * x over differentiable (float) edges (reachability.ts, with the stop-gradient policy below),
 * appends the loss, and walks backward from the loss to the values that need a gradient.
 */
import { ModelError } from '../../errors';
import { DType, Graph, Model, Node, TensorValue, attrTensor, isFloat } from '../../onnx/ir';
import { topologicalOrder } from '../../onnx/topo';
import { ClassifierIO, findClassifierIO } from '../../onnx/classifier';
import { buildLoss } from '../loss';
import { reachForward } from '../reachability';
import { classify } from '../registry';
import { dropoutTraining } from '../rules/dropout';
import type { ShapeInfo, ValueMeta } from '../../onnx/shapes';
import { GraphWriter } from '../../onnx/graph-writer';
import { GRAD, GradientOptions, GraphFinding, LABELS, LOGITS, LOSS, TARGET, X } from './types';


/** What emission and assembly need from the analysis. */
export interface Analysis {
  cls: ClassifierIO;
  /** Metadata by the original graph's value names (and the loss's values). */
  meta: (name: string) => ValueMeta;
  /** Metadata by the gradient model's names (x for the classifier input). */
  metaOf: (name: string) => ValueMeta;
  gradDtype: DType;
  w: GraphWriter;
  consts: Map<string, TensorValue>;
  /** Forward nodes in topological order (input renamed to x), then the loss nodes. */
  forward: Node[];
  /** Values that depend on x through differentiable edges. */
  active: Set<string>;
  /** Values the loss's gradient flows back to. */
  needsGrad: Set<string>;
  nonDifferentiable: GraphFinding[];
  random: GraphFinding[];
}

/**
 * Analyses a canonical classifier for its gradient model.
 * @throws ModelError for a non-float input, a reserved value name, missing probe shapes, or
 *   logits that do not depend differentiably on the input.
 */
export function analyse(model: Model, options: GradientOptions): Analysis {
  const graph = model.graph;
  const shapes = options.shapes;
  const cls = findClassifierIO(model, shapes);
  const lossShapes: ShapeInfo = new Map();
  const meta = (name: string) => {
    const m = shapes.get(name) ?? lossShapes.get(name);
    if (!m) throw new ModelError(`no shape information for value '${name}' (was the probe run on this model?)`);
    return m;
  };
  const gradDtype: DType = meta(cls.input).dtype;
  if (gradDtype !== 'float32' && gradDtype !== 'float64') {
    throw new ModelError(`the model's input is ${gradDtype}; Gauntlet differentiates float32 and float64 models`);
  }
  const w = new GraphWriter(usedNames(graph));
  const consts = constantValues(graph);

  // Forward: the nodes needed for the pre-softmax logits, renaming the input to x.
  const order = topologicalOrder(graph);
  const rename = (s: string) => (s === cls.input ? X : s);
  const forward: Node[] = order.map((n) => ({ ...n, inputs: n.inputs.map(rename) }));
  const producer = new Map<string, Node>();
  forward.forEach((n) => n.outputs.forEach((o) => producer.set(o, n)));
  const metaOf = (name: string) => meta(name === X ? cls.input : name);
  foldProbedConstants(forward, consts, metaOf);

  const { active, nonDifferentiable, random } = differentiableReach(forward, producer, cls, consts, metaOf, !!options.straightThrough);
  if (!active.has(cls.logits)) {
    throw new ModelError(`the logits '${cls.logits}' do not depend differentiably on the input` +
      (nonDifferentiable.length ? ` (non-differentiable ops: ${nonDifferentiable.map((f) => `${f.opType} '${f.node}'`).join(', ')}; try straightThrough)` : ''));
  }

  // Loss on top of the logits: appended forward nodes, differentiated like any other.
  const loss = buildLoss(w, {
    kind: options.loss, targeted: !!options.targeted, logits: cls.logits, numClasses: cls.numClasses,
    labels: LABELS, target: options.targeted ? TARGET : undefined, dtype: gradDtype, logitsOut: LOGITS, lossOut: LOSS,
    probeBatch: cls.batched ? meta(cls.input).shape[0] : 1,
  });
  loss.shapes.forEach((v, k) => lossShapes.set(k, v));
  for (const n of loss.nodes) {
    forward.push(n);
    n.outputs.forEach((o) => producer.set(o, n));
    if (n.inputs.some((i) => active.has(i)) && !loss.stopGradient.has(n.outputs[0])) n.outputs.forEach((o) => active.add(o));
  }

  // Backward reachability from the loss.
  const needsGrad = new Set<string>();
  const reach = [LOSS];
  while (reach.length) {
    const v = reach.pop()!;
    if (needsGrad.has(v) || !active.has(v)) continue;
    needsGrad.add(v);
    const p = producer.get(v);
    if (p) p.inputs.forEach((i) => active.has(i) && reach.push(i));
  }
  return { cls, meta, metaOf, gradDtype, w, consts, forward, active, needsGrad, nonDifferentiable, random };
}

/** The forward graph's names; the gradient model reuses them and adds its own under fresh names. */
function usedNames(graph: Graph): Set<string> {
  const used = new Set<string>();
  for (const n of graph.nodes) { used.add(n.name); n.outputs.forEach((o) => used.add(o)); }
  graph.inputs.forEach((v) => used.add(v.name));
  graph.initializers.forEach((_, k) => used.add(k));
  for (const reserved of [X, LABELS, TARGET, LOGITS, LOSS, GRAD]) {
    if (used.has(reserved)) throw new ModelError(`the model uses the reserved value name '${reserved}'; rename it`);
  }
  return used;
}

/**
 * Which forward values depend on x through differentiable (float) edges, and the
 * non-differentiable and random ops the logits depend on.
 */
function differentiableReach(
  forward: Node[], producer: Map<string, Node>, cls: ClassifierIO, consts: Map<string, TensorValue>,
  metaOf: (name: string) => ValueMeta, straightThrough: boolean,
): { active: Set<string>; nonDifferentiable: GraphFinding[]; random: GraphFinding[] } {
  const nonDifferentiable: GraphFinding[] = [];
  const random: GraphFinding[] = [];
  // Findings are reported for the nodes the logits depend on (not, e.g., an extra ArgMax output).
  const feedsLogits = new Set<Node>();
  for (const stack = [cls.logits]; stack.length;) {
    const p = producer.get(stack.pop()!);
    if (p && !feedsLogits.has(p)) { feedsLogits.add(p); stack.push(...p.inputs.filter(Boolean)); }
  }
  const report = (list: GraphFinding[], n: Node) => { if (feedsLogits.has(n)) list.push({ node: n.name, opType: n.opType }); };
  const floatValue = (v: string) => isFloat(metaOf(v).dtype);
  const active = reachForward(forward, X, (n, c, reads, reached) => {
    // Random ops make the logits random whether or not they read x; Dropout only in training mode.
    if (c.kind === 'random' && (n.opType !== 'Dropout' || dropoutTraining(n, (v) => consts.get(v)) !== false)) report(random, n);
    if (!reads) return [];
    const fromFloat = n.inputs.some((i) => reached.has(i) && floatValue(i));
    // Steps (zero gradient; identity-like under straightThrough): piecewise-constant ops, and a
    // differentiable op turning floats into integers only (Cast to int). ArgMax/ArgMin have no gradient at all.
    const step = c.kind === 'straightThrough' || (c.kind === 'rule' && fromFloat && n.outputs.every((o) => !o || !floatValue(o)));
    if (fromFloat && (step || n.opType === 'ArgMax' || n.opType === 'ArgMin')) report(nonDifferentiable, n);
    // Samplers (Random*Like, Bernoulli) have no rule: their outputs do not depend on x's values.
    if (c.kind === 'noGradient' || (c.kind === 'random' && !c.rule) || (step && !straightThrough)) return [];
    // Integer edges carry gradient only inside a straight-through chain (x→Cast(int)→Cast(float), Q→DQ).
    return n.outputs.filter((o) => o && (floatValue(o) || step));
  });
  return { active, nonDifferentiable, random };
}

/** Values defined by initializers and Constant nodes, with their tensors. */
function constantValues(graph: Graph): Map<string, TensorValue> {
  const out = new Map(graph.initializers);
  for (const n of graph.nodes) {
    if (n.opType === 'Constant') {
      const t = attrTensor(n, 'value');
      if (t) out.set(n.outputs[0], t);
    }
  }
  return out;
}

/**
 * Constant subgraphs (e.g. Shape→Gather→Concat computing Pad's pads or Reshape's shape from
 * constants only): values that neither depend on x nor on a random op are constants, and the
 * probe saw their value. Adds them to `consts` so rules can read them like initializers.
 */
function foldProbedConstants(forward: Node[], consts: Map<string, TensorValue>, metaOf: (v: string) => { value?: TensorValue }): void {
  const variable = new Set<string>([X]);
  for (const n of forward) {
    if (classify(n.opType).kind === 'random' || n.inputs.some((i) => variable.has(i))) {
      n.outputs.forEach((o) => variable.add(o));
      continue;
    }
    for (const o of n.outputs) {
      const value = o && !consts.has(o) ? metaOf(o).value : undefined;
      if (value) consts.set(o, value);
    }
  }
}
