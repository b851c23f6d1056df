/**
 * The one forward walk from a model's input, classifying each node by the autodiff registry.
 * The gradient builder uses it for which values depend on x differentiably (and which
 * non-differentiable or random ops lie on the path); model preparation uses it for the coarse
 * op summary in ModelInfo (random ops anywhere, piecewise-constant ops downstream of the input),
 * which picks the EOT and BPDA adaptations.
 */
import { Graph, Node } from '../onnx/ir';
import { topologicalOrder } from '../onnx/topo';
import { classify } from './registry';

/** The registry's classification of an op (a rule, no gradient, straight-through, random, unknown). */
export type OpKind = ReturnType<typeof classify>;

/**
 * Visits `nodes` (topological order) once each. `reads` says whether the node reads a value
 * reached from `input` so far (`reached`, which grows as the walk goes); `visit` returns the
 * outputs that become reached (the caller's stop-gradient policy). Returns the reached values,
 * `input` included.
 */
export function reachForward(
  nodes: readonly Node[], input: string,
  visit: (node: Node, kind: OpKind, reads: boolean, reached: ReadonlySet<string>) => readonly string[],
): Set<string> {
  const reached = new Set<string>([input]);
  for (const n of nodes) {
    const reads = n.inputs.some((i) => reached.has(i));
    for (const o of visit(n, classify(n.opType), reads, reached)) reached.add(o);
  }
  return reached;
}

/** Random and piecewise-constant ops of a model, as `OpType 'node'` strings. */
export interface OpFindings {
  /** Random ops anywhere in the graph (their outputs make the logits random). */
  random: string[];
  /** Straight-through (piecewise-constant) ops downstream of the input, over every edge. */
  nonDifferentiable: string[];
}

/** Random and piecewise-constant ops downstream of the input (by the autodiff registry). */
export function scanInputOps(graph: Graph, input: string): OpFindings {
  const random: string[] = [];
  const nonDifferentiable: string[] = [];
  reachForward(topologicalOrder(graph), input, (n, c, reads) => {
    if (c.kind === 'random') random.push(`${n.opType} '${n.name}'`);
    if (!reads) return [];
    if (c.kind === 'straightThrough') nonDifferentiable.push(`${n.opType} '${n.name}'`);
    return n.outputs;
  });
  return { random, nonDifferentiable };
}
