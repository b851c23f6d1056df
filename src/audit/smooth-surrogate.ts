/**
 * The straight-through surrogate of a model with piecewise-constant ops: the same graph with every
 * Round/Floor/Ceil/Sign downstream of the input replaced by Identity, and every
 * QuantizeLinear→DequantizeLinear pair by an Identity of the quantiser's input. It is the
 * function BPDA's backward pass pretends the model is (Athalye, Carlini, Wagner 2018,
 * arXiv:1802.00420 §4.1), made whole: a smooth model an attack can run on entirely (forward and
 * gradients), whose candidates are then verified on the true model — a transfer attack
 * (Papernot, McDaniel, Goodfellow 2016, arXiv:1605.07277). Unlike BPDA on the true forward pass,
 * the attack's own loss evaluations do not stall on the model's flat steps.
 */
import { decodeModel } from '../onnx/decode';
import { encodeModel } from '../onnx/encode';
import { Node } from '../onnx/ir';
import { topologicalOrder } from '../onnx/topo';

/** Elementwise piecewise-constant ops replaced by Identity. */
export const SMOOTHED_OPS: readonly string[] = ['Round', 'Floor', 'Ceil', 'Sign'];

/** The surrogate's bytes and what was replaced (empty when the model has nothing to smooth). */
export function smoothSurrogate(bytes: Uint8Array): { bytes: Uint8Array; replaced: string[] } {
  const model = decodeModel(bytes);
  const g = model.graph;
  const input = g.inputs[0]?.name;
  const reached = new Set<string>(input ? [input] : []);
  const byOutput = new Map<string, Node>();
  const replaced: string[] = [];
  const identity = (n: Node, from: string): Node => ({ name: `${n.name}_smooth`, opType: 'Identity', domain: '', inputs: [from], outputs: [n.outputs[0]], attributes: new Map() });
  const nodes: Node[] = [];
  for (const n of topologicalOrder(g)) {
    n.outputs.forEach((o) => byOutput.set(o, n));
    const live = n.inputs.some((i) => reached.has(i));
    if (live) n.outputs.forEach((o) => reached.add(o));
    if (live && n.domain === '' && SMOOTHED_OPS.includes(n.opType)) {
      nodes.push(identity(n, n.inputs[0]));
      replaced.push(`${n.opType} '${n.name}'`);
      continue;
    }
    const q = n.opType === 'DequantizeLinear' ? byOutput.get(n.inputs[0]) : undefined;
    if (live && n.domain === '' && q?.opType === 'QuantizeLinear') {
      nodes.push(identity(n, q.inputs[0]));
      replaced.push(`QuantizeLinear '${q.name}' → DequantizeLinear '${n.name}'`);
      continue;
    }
    nodes.push(n);
  }
  if (replaced.length === 0) return { bytes, replaced };
  // Declared types of rewritten values may no longer hold (an int8 quantised value is now float).
  for (const n of nodes) if (n.opType === 'Identity' && n.name.endsWith('_smooth')) g.valueInfo.delete(n.outputs[0]);
  // Quantisers whose only consumers were rewritten are dead: drop them.
  const used = new Set<string>([...nodes.flatMap((n) => n.inputs), ...g.outputs.map((o) => o.name)]);
  g.nodes = nodes.filter((n) => n.opType !== 'QuantizeLinear' || n.outputs.some((o) => used.has(o)));
  const read = new Set(g.nodes.flatMap((n) => n.inputs));
  for (const name of [...g.initializers.keys()]) if (!read.has(name)) g.initializers.delete(name);
  return { bytes: encodeModel(model), replaced };
}
