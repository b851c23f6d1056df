/**
 * Assemble: the gradient model from the forward nodes and the emitted ones. Names the grad
 * output, declares the x / labels / target inputs and logits / loss / grad outputs (batch dim
 * symbolic 'N' for batched classifiers), prunes nodes and initializers no output needs.
 */
import { DType, Graph, Model, Node } from '../../onnx/ir';
import { GAUNTLET_VERSION } from '../../version';
import { Analysis } from './analyse';
import { GRAD, GRADIENT_OPSET, GradientModel, GradientOptions, LABELS, LOGITS, LOSS, TARGET, X } from './types';

/** The gradient model around `dx` (the emitted d(loss)/dx), with the analysis's findings. */
export function assemble(model: Model, a: Analysis, options: GradientOptions, dx: string, edges: GradientModel['edges']): GradientModel {
  const { cls, w, meta, forward, gradDtype } = a;
  const graph = model.graph;
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
    nonDifferentiable: a.nonDifferentiable,
    random: a.random,
    edges,
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
