/**
 * Which graph output holds the class scores. A model with one output is audited on it; a model
 * with several must name one (job config `output`, CLI `--logits NAME`): auditing the first
 * silently would sign figures about whatever that output happens to be. The chosen output
 * becomes the graph's only output and the nodes nothing else reads are dropped, so the rest of
 * the pipeline (canonicalise, generalise, probe, gradients) sees a single-output classifier.
 */
import { ModelError } from '../errors';
import { Attribute, Dim, Model, ValueInfo } from './ir';

/** A value's declared shape for messages: [N, 10], [?, 3, 2], or "shape not declared". */
export function describeShape(v: Pick<ValueInfo, 'shape'>): string {
  if (!v.shape) return 'shape not declared';
  const dim = (d: Dim) => (typeof d === 'number' ? String(d) : d || '?');
  return `[${v.shape.map(dim).join(', ')}]`;
}

/** Names and declared shapes of a list of outputs, for messages ("'logits' [N, 10], 'emb' [N, 64]"). Lists at most 10. */
function listOutputs(outputs: readonly ValueInfo[]): string {
  const shown = outputs.slice(0, 10).map((o) => `'${o.name.slice(0, 100)}' ${describeShape(o)}`).join(', ');
  return outputs.length > 10 ? `${shown}, … (${outputs.length} in all)` : shown;
}

/**
 * The model reduced to the output named `output` (or to its only output when none is named).
 * @throws ModelError when several outputs exist and none is named, or when `output` names none of them.
 */
export function selectOutput(model: Model, output?: string): Model {
  const outs = model.graph.outputs;
  if (output === undefined) {
    if (outs.length <= 1) return model;
    throw new ModelError(
      `the model has ${outs.length} outputs (${listOutputs(outs)}); name the one that holds the class scores (job config "output", CLI --logits NAME)`,
      { outputs: outs.map((o) => o.name) },
    );
  }
  const chosen = outs.find((o) => o.name === output);
  if (!chosen) {
    throw new ModelError(`the model has no output '${output.slice(0, 100)}'; its outputs: ${listOutputs(outs)}`, { outputs: outs.map((o) => o.name) });
  }
  if (outs.length === 1) return model;
  // Keep only the nodes the chosen output depends on (a reverse walk from it).
  const producer = new Map<string, number>();
  model.graph.nodes.forEach((n, i) => n.outputs.forEach((o) => { if (o) producer.set(o, i); }));
  const keep = new Set<number>();
  const todo = [chosen.name];
  while (todo.length) {
    const i = producer.get(todo.pop()!);
    if (i === undefined || keep.has(i)) continue;
    keep.add(i);
    const n = model.graph.nodes[i];
    todo.push(...n.inputs.filter((x) => x !== ''), ...subgraphInputs(n.attributes));
  }
  const nodes = model.graph.nodes.filter((_, i) => keep.has(i));
  return { ...model, graph: { ...model.graph, outputs: [chosen], nodes } };
}

/** Names a node's subgraph attributes (If/Loop/Scan bodies) read from the outer graph: every input of their nodes. */
function subgraphInputs(attributes: Map<string, Attribute>): string[] {
  const out: string[] = [];
  for (const a of attributes.values()) {
    if (a.type !== 'graph') continue;
    for (const n of a.value.nodes) out.push(...n.inputs, ...subgraphInputs(n.attributes));
  }
  return out;
}
