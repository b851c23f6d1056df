/** Topological ordering of graph nodes (Kahn's algorithm, stable in file order). */
import { ModelError } from '../errors';
import { Graph, Node } from './ir';

/**
 * Returns the nodes of `graph` ordered so every node follows the producers of its inputs.
 * Values with no producer must be graph inputs or initializers; cycles and dangling inputs
 * raise ModelError naming the node.
 */
export function topologicalOrder(graph: Graph): Node[] {
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (!o) continue;
      if (producer.has(o)) throw new ModelError(`value '${o}' is produced by two nodes ('${graph.nodes[producer.get(o)!].name}' and '${n.name}')`);
      producer.set(o, i);
    }
  });
  const available = new Set<string>([...graph.inputs.map((v) => v.name), ...graph.initializers.keys(), '']);
  const pending = graph.nodes.map((n) =>
    new Set(n.inputs.filter((x) => x && !available.has(x))),
  );
  const consumers = new Map<string, number[]>();
  pending.forEach((deps, i) => {
    for (const d of deps) {
      if (!producer.has(d)) {
        throw new ModelError(`node '${graph.nodes[i].name}' (${graph.nodes[i].opType}) reads '${d}', which no node, input or initializer provides`);
      }
      consumers.set(d, [...(consumers.get(d) ?? []), i]);
    }
  });
  const ready: number[] = [];
  pending.forEach((deps, i) => deps.size === 0 && ready.push(i));
  const order: Node[] = [];
  for (let head = 0; head < ready.length; head++) {
    const i = ready[head];
    order.push(graph.nodes[i]);
    for (const o of graph.nodes[i].outputs) {
      for (const c of consumers.get(o) ?? []) {
        pending[c].delete(o);
        if (pending[c].size === 0) ready.push(c);
      }
    }
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.find((_, i) => pending[i].size > 0)!;
    throw new ModelError(`the graph has a cycle through node '${stuck.name}' (${stuck.opType})`);
  }
  return order;
}
