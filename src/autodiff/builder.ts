/**
 * buildGradientModel: from a (canonical, opset-17) classifier graph, build a second ONNX
 * model whose outputs are the logits, a per-sample loss and d(sum of losses)/d(x).
 *
 * The walker does all graph-level work (after STYLE.md §4): which values depend on x
 * (forward reachability over float edges), which of those reach the loss (backward
 * reachability), stop-gradient edges (shape computations, integer tensors), summing
 * fan-out, and naming. Rules (rules/*.ts) only do local math.
 */
import { UnsupportedOpError, ModelError } from '../errors';
import { DType, Graph, Model, Node, TensorValue, attrTensor, isFloat } from '../onnx/ir';
import { topologicalOrder } from '../onnx/topo';
import { classify, supportedOps } from './registry';
import { GraphWriter } from './writer';
import { dropoutTraining } from './rules/dropout';
import { AttrInput, RuleContext, ShapeInfo } from './types';
import { LossKind, buildLoss } from './loss';
import { findClassifierIO, ClassifierIO } from './classifier';
import { GAUNTLET_VERSION } from '../version';
import { identity } from './rules/identity';
import { ConvChain, findShortcuts } from './shortcuts';
import { convPoolGradient } from './conv-pool';
import { codeFromDtype } from '../onnx/dtype';

export const GRADIENT_OPSET = 17;

export interface GradientOptions {
  /** Loss whose gradient is returned. */
  loss: LossKind;
  /** Targeted variant: adds an int64 `target` input ([N]). */
  targeted?: boolean;
  /** Probe shapes and dtypes of every value of `model` (runtime/probe.ts). */
  shapes: ShapeInfo;
  /** BPDA: identity gradient through non-differentiable ops (Round, Floor, Sign, casts to int, Q/DQ). */
  straightThrough?: boolean;
  /** Graph-level shortcuts across nodes (shortcuts.ts; exact, default true). false: every node by its own rule. */
  shortcuts?: boolean;
}

/** A node whose gradient is not the true gradient, or that makes outputs random. */
export interface GraphFinding {
  node: string;
  opType: string;
}

/** One emitted gradient contribution, for the runtime's shape verification. */
export interface GradientEdge {
  node: string;
  opType: string;
  inputIndex: number;
  /** Forward value the gradient is for. */
  forward: string;
  /** Gradient value emitted by the rule. */
  gradient: string;
}

export interface GradientModel {
  model: Model;
  /** Names of the gradient model's inputs and outputs. */
  io: { x: string; labels: string; target?: string; logits: string; loss: string; grad: string };
  /** The classifier's input/output analysis (batch handling, stripped softmax). */
  classifier: ClassifierIO;
  /** Non-differentiable ops on the x→logits path (zero gradient unless straightThrough). */
  nonDifferentiable: GraphFinding[];
  /** Random ops on the path (outputs and gradients are samples: average them, EOT). */
  random: GraphFinding[];
  /** Every gradient contribution (rule output), for shape checks. */
  edges: GradientEdge[];
}

const X = 'x', LABELS = 'labels', TARGET = 'target', LOGITS = 'logits', LOSS = 'loss', GRAD = 'grad';

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
 * Builds the gradient model. The input model must already be canonical (onnx/canonical.ts)
 * and `options.shapes` must come from a probe of that same model.
 */
export function buildGradientModel(model: Model, options: GradientOptions): GradientModel {
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

  // Rename nothing in the forward graph: the gradient model reuses its value names, adding its own under fresh names.
  const used = new Set<string>();
  for (const n of graph.nodes) { used.add(n.name); n.outputs.forEach((o) => used.add(o)); }
  graph.inputs.forEach((v) => used.add(v.name));
  graph.initializers.forEach((_, k) => used.add(k));
  for (const reserved of [X, LABELS, TARGET, LOGITS, LOSS, GRAD]) {
    if (used.has(reserved)) throw new ModelError(`the model uses the reserved value name '${reserved}'; rename it`);
  }
  const w = new GraphWriter(used);
  const consts = constantValues(graph);

  // Forward: the nodes needed for the pre-softmax logits, renaming the input to x.
  const order = topologicalOrder(graph);
  const rename = (s: string) => (s === cls.input ? X : s);
  const forward: Node[] = order.map((n) => ({ ...n, inputs: n.inputs.map(rename) }));
  const producer = new Map<string, Node>();
  forward.forEach((n) => n.outputs.forEach((o) => producer.set(o, n)));
  const metaOf = (name: string) => meta(name === X ? cls.input : name);
  foldProbedConstants(forward, consts, metaOf);

  // Which forward values depend on x through differentiable (float) edges.
  const active = new Set<string>([X]);
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
  for (const n of forward) {
    const c = classify(n.opType);
    // Random ops make the logits random whether or not they read x; Dropout only in training mode.
    if (c.kind === 'random' && (n.opType !== 'Dropout' || dropoutTraining(n, (v) => consts.get(v)) !== false)) report(random, n);
    if (!n.inputs.some((i) => active.has(i))) continue;
    const fromFloat = n.inputs.some((i) => active.has(i) && floatValue(i));
    // Steps (zero gradient; identity-like under straightThrough): piecewise-constant ops, and a
    // differentiable op turning floats into integers only (Cast to int). ArgMax/ArgMin have no gradient at all.
    const step = c.kind === 'straightThrough' || (c.kind === 'rule' && fromFloat && n.outputs.every((o) => !o || !floatValue(o)));
    if (fromFloat && (step || n.opType === 'ArgMax' || n.opType === 'ArgMin')) report(nonDifferentiable, n);
    // Samplers (Random*Like, Bernoulli) have no rule: their outputs do not depend on x's values.
    if (c.kind === 'noGradient' || (c.kind === 'random' && !c.rule) || (step && !options.straightThrough)) continue;
    for (const o of n.outputs) {
      // Integer edges carry gradient only inside a straight-through chain (x→Cast(int)→Cast(float), Q→DQ).
      if (o && (floatValue(o) || step)) active.add(o);
    }
  }
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

  const grads = new Map<string, string[]>();
  const addGrad = (value: string, g: string) => grads.set(value, [...(grads.get(value) ?? []), g]);
  const gradOf = (value: string, prefix: string): string | undefined => {
    const parts = grads.get(value);
    if (!parts || parts.length === 0) return undefined;
    if (parts.length === 1) return parts[0];
    const [sum] = w.op(prefix, 'Sum', parts);
    grads.set(value, [sum]);
    return sum;
  };
  addGrad(LOSS, w.op('loss_Grad', 'ConstantOfShape', [w.op('loss_Grad', 'Shape', [LOSS])[0]], 1, {
    value: { tensor: { dtype: gradDtype, dims: [1], data: gradDtype === 'float64' ? new Float64Array([1]) : new Float32Array([1]) } },
  })[0]);

  const shortcuts = options.shortcuts === false
    ? { maskedPools: new Map<Node, Node>(), passThrough: new Set<Node>(), convPools: new Map<Node, ConvChain>() }
    : findShortcuts(forward, new Set([cls.logits, LOGITS, LOSS]));
  const edges: GradientEdge[] = [];
  for (let k = forward.length - 1; k >= 0; k--) {
    const n = forward[k];
    if (!n.outputs.some((o) => needsGrad.has(o) && grads.has(o))) continue;
    const c = classify(n.opType);
    const rule = shortcuts.passThrough.has(n) ? identity
      : c.kind === 'rule' || c.kind === 'straightThrough' ? c.rule : c.kind === 'random' ? c.rule : undefined;
    if (!rule) {
      throw new UnsupportedOpError(
        `no gradient rule for op ${n.opType} (node '${n.name}') on the input→logits path. Supported: ${supportedOps().join(', ')}`,
        { opType: n.opType, node: n.name },
      );
    }
    const prefix = `${n.name}_Grad`;
    const outDtype = metaOf(n.outputs[0]).dtype;
    const nodeGradDtype = isFloat(outDtype) ? outDtype : gradDtype;
    let gradOutput = (i: number) => gradOf(n.outputs[i], prefix);
    if (shortcuts.maskedPools.has(n)) gradOutput = positiveOutputMask(w, prefix, n.outputs[0], nodeGradDtype, gradOutput);
    const ctx = makeContext(n, prefix, w, metaOf, consts, nodeGradDtype, !!options.straightThrough, gradOutput);
    const chain = shortcuts.convPools.get(n);
    const conv = chain?.conv;
    const constantParams = (m?: Node) => !m || !m.inputs.slice(1).some((i) => active.has(i));
    if (chain && conv && needsGrad.has(conv.inputs[0]) && constantParams(conv) && constantParams(chain.batchNorm)) {
      const on = (m: Node) => makeContext(m, prefix, w, metaOf, consts, nodeGradDtype, !!options.straightThrough, () => undefined);
      const dx = convPoolGradient(ctx, on(conv), chain.batchNorm && on(chain.batchNorm));
      if (dx) {
        // The nodes between get no gradient on their outputs, so the walk skips them.
        addGrad(conv.inputs[0], dx);
        edges.push({ node: conv.name, opType: conv.opType, inputIndex: 0, forward: conv.inputs[0] === X ? cls.input : conv.inputs[0], gradient: dx });
        continue;
      }
    }
    const result = rule.build(ctx);
    n.inputs.forEach((inp, i) => {
      if (!inp || !needsGrad.has(inp)) return;
      const g = result[i];
      if (!rule.differentiable.includes(i) || g === undefined) {
        throw new UnsupportedOpError(
          `op ${n.opType} (node '${n.name}'): input ${i} ('${inp}') depends on the model input, but the rule has no gradient for it`,
          { opType: n.opType, node: n.name, input: i },
        );
      }
      addGrad(inp, g);
      edges.push({ node: n.name, opType: n.opType, inputIndex: i, forward: inp === X ? cls.input : inp, gradient: g });
    });
  }
  let dx = gradOf(X, 'x_Grad');
  if (!dx) dx = w.op('x_Grad', 'Mul', [X, w.scalar('x_Grad', 0, gradDtype)])[0];
  const gradNodeOut = w.op('x_Grad', 'Identity', [dx])[0];
  w.nodes.push({ name: w.fresh('grad_out'), opType: 'Identity', domain: '', inputs: [gradNodeOut], outputs: [GRAD], attributes: new Map() });

  const xMeta = meta(cls.input);
  const batchDim = cls.batched ? 'N' : 1;
  const xShape = cls.batched ? ['N', ...xMeta.shape.slice(1)] : xMeta.shape;
  const labelDim = cls.batched ? ['N'] : [1];
  const out: Graph = {
    name: `${graph.name}_gradient`,
    nodes: pruneDead([...forward, ...w.nodes], [LOGITS, LOSS, GRAD]),
    inputs: [
      { name: X, dtype: gradDtype, shape: xShape },
      { name: LABELS, dtype: 'int64', shape: labelDim },
      ...(options.targeted ? [{ name: TARGET, dtype: 'int64' as DType, shape: labelDim }] : []),
    ],
    outputs: [
      { name: LOGITS, dtype: gradDtype, shape: [batchDim, cls.numClasses] },
      { name: LOSS, dtype: gradDtype, shape: [batchDim] },
      { name: GRAD, dtype: gradDtype, shape: xShape },
    ],
    initializers: new Map([...graph.initializers, ...w.initializers]),
    valueInfo: new Map(),
  };
  const usedInits = new Set(out.nodes.flatMap((n) => n.inputs));
  for (const k of [...out.initializers.keys()]) if (!usedInits.has(k)) out.initializers.delete(k);
  return {
    model: { irVersion: 8, opsetImports: new Map([['', GRADIENT_OPSET]]), producerName: 'gauntlet', producerVersion: GAUNTLET_VERSION, graph: out },
    io: { x: X, labels: LABELS, target: options.targeted ? TARGET : undefined, logits: LOGITS, loss: LOSS, grad: GRAD },
    classifier: cls,
    nonDifferentiable,
    random,
    edges,
  };
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

/**
 * gradOutput with output 0's gradient multiplied by [out > 0] (a Relu mask moved to this node's output,
 * shortcuts.ts), emitted once on first use. Cast + Mul: ORT's Where with a broadcast 0 is slower.
 */
function positiveOutputMask(
  w: GraphWriter, prefix: string, out: string, dtype: DType, gradOutput: (i: number) => string | undefined,
): (i: number) => string | undefined {
  let masked: string | undefined;
  return (i) => {
    const dy = gradOutput(i);
    if (i !== 0 || !dy) return dy;
    if (!masked) {
      const [positive] = w.op(prefix, 'Greater', [out, w.scalar(prefix, 0, dtype)]);
      const [mask] = w.op(prefix, 'Cast', [positive], 1, { to: codeFromDtype(dtype) });
      [masked] = w.op(prefix, 'Mul', [dy, mask]);
    }
    return masked;
  };
}

/** Keeps only nodes that some requested output depends on (in order). */
function pruneDead(nodes: Node[], outputs: string[]): Node[] {
  const producer = new Map<string, Node>();
  nodes.forEach((n) => n.outputs.forEach((o) => producer.set(o, n)));
  const keep = new Set<Node>();
  const stack = [...outputs];
  const seen = new Set<string>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const p = producer.get(v);
    if (p && !keep.has(p)) {
      keep.add(p);
      stack.push(...p.inputs.filter(Boolean));
      for (const a of p.attributes.values()) if (a.type === 'graph') stack.push(...outerReferences(a.value));
    }
  }
  return nodes.filter((n) => keep.has(n));
}

/** Names a subgraph reads from its enclosing scope. */
function outerReferences(g: Graph): string[] {
  const local = new Set<string>([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
  g.nodes.forEach((n) => n.outputs.forEach((o) => local.add(o)));
  return g.nodes.flatMap((n) => n.inputs.filter((i) => i && !local.has(i)));
}

function makeContext(
  node: Node, prefix: string, w: GraphWriter,
  metaOf: (name: string) => { dtype: DType; shape: number[] },
  consts: Map<string, TensorValue>, gradDtype: DType, straightThrough: boolean,
  gradOutput: (i: number) => string | undefined,
): RuleContext {
  const shapeCache = new Map<string, string>();
  const ctx: RuleContext = {
    node,
    gradDtype,
    straightThrough,
    input: (i) => node.inputs[i] ?? '',
    hasInput: (i) => !!node.inputs[i],
    output: (i) => node.outputs[i],
    gradOutput,
    shape: (name) => metaOf(name).shape,
    rank: (name) => metaOf(name).shape.length,
    dtype: (name) => metaOf(name).dtype,
    constant: (name) => consts.get(name) ?? w.initializers.get(name),
    op: (opType, inputs, attrs?: Record<string, AttrInput>) => w.op(prefix, opType, inputs, 1, attrs)[0],
    opN: (opType, inputs, n, attrs?: Record<string, AttrInput>) => w.op(prefix, opType, inputs, n, attrs),
    scalar: (value, dtype = gradDtype) => w.scalar(prefix, value, dtype),
    floats: (values, dims, dtype = gradDtype) =>
      w.constant(prefix, { dtype, dims, data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values) }),
    ints: (values) => w.ints(prefix, values),
    shapeOf: (name) => {
      let s = shapeCache.get(name);
      if (!s) shapeCache.set(name, (s = w.op(prefix, 'Shape', [name])[0]));
      return s;
    },
    unbroadcast: (grad, like) => unbroadcast(ctx, grad, like),
  };
  return ctx;
}

/** Sums a gradient of the node's output shape down to the shape of forward value `like`. */
function unbroadcast(g: RuleContext, grad: string, like: string): string {
  const out = g.shape(g.output(0));
  const inp = g.shape(like);
  const lead = out.length - inp.length;
  const axes: number[] = [];
  for (let k = 0; k < out.length; k++) {
    if (k < lead || (inp[k - lead] === 1 && out[k] !== 1)) axes.push(k);
  }
  if (axes.length === 0 && lead === 0) return grad;
  const summed = axes.length ? g.op('ReduceSum', [grad, g.ints(axes)], { keepdims: 1 }) : grad;
  return g.op('Reshape', [summed, g.shapeOf(like)]);
}

