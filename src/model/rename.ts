/**
 * Renames values that collide with the gradient model's own I/O names (torch exports call
 * their input 'x' and their output 'logits'; buildGradientModel reserves both). Renaming
 * is consistent across the graph and its subgraphs, so semantics are unchanged.
 */
import { Graph, Model } from '../onnx/ir';

/** Names buildGradientModel gives its inputs and outputs. */
export const RESERVED_NAMES: readonly string[] = ['x', 'labels', 'target', 'logits', 'loss', 'grad'];

function collectNames(g: Graph, into: Set<string>): void {
  g.inputs.forEach((v) => into.add(v.name));
  g.outputs.forEach((v) => into.add(v.name));
  g.initializers.forEach((_, k) => into.add(k));
  g.valueInfo.forEach((_, k) => into.add(k));
  for (const n of g.nodes) {
    n.inputs.forEach((i) => into.add(i));
    n.outputs.forEach((o) => into.add(o));
    for (const a of n.attributes.values()) if (a.type === 'graph') collectNames(a.value, into);
  }
}

function renameGraph(g: Graph, map: ReadonlyMap<string, string>): Graph {
  const r = (s: string) => map.get(s) ?? s;
  return {
    ...g,
    inputs: g.inputs.map((v) => ({ ...v, name: r(v.name) })),
    outputs: g.outputs.map((v) => ({ ...v, name: r(v.name) })),
    initializers: new Map([...g.initializers].map(([k, t]) => [r(k), t])),
    valueInfo: new Map([...g.valueInfo].map(([k, v]) => [r(k), { ...v, name: r(v.name) }])),
    nodes: g.nodes.map((n) => ({
      ...n,
      inputs: n.inputs.map(r),
      outputs: n.outputs.map(r),
      attributes: new Map(
        [...n.attributes].map(([k, a]) => [k, a.type === 'graph' ? { type: 'graph' as const, value: renameGraph(a.value, map) } : a]),
      ),
    })),
  };
}

/** The model with every reserved value name replaced by a fresh one; the same object when nothing collides. */
export function renameReserved(model: Model): { model: Model; renamed: Map<string, string> } {
  const names = new Set<string>();
  collectNames(model.graph, names);
  const renamed = new Map<string, string>();
  for (const r of RESERVED_NAMES) {
    if (!names.has(r)) continue;
    let k = 0;
    let fresh = `${r}_orig`;
    while (names.has(fresh)) fresh = `${r}_orig${++k}`;
    names.add(fresh);
    renamed.set(r, fresh);
  }
  if (renamed.size === 0) return { model, renamed };
  return { model: { ...model, graph: renameGraph(model.graph, renamed) }, renamed };
}
