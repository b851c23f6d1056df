/**
 * Graph-level gradient shortcuts: exact rewrites of the backward pass across two forward nodes,
 * applied by the walker (builder.ts) where only d loss/d x is wanted. Rules stay local math.
 *
 * Relu → MaxPool (the Relu's output read by nothing else): p = maxpool(relu(x)) = relu(maxpool(x)),
 * so the Relu mask can be taken at the pooled resolution:
 *   dx = relu'(x) · unpool(dp)  =  unpool(dp · [p > 0])
 * with unpool routing to the argmax of relu(x). Exact, also with ties and overlapping windows: where
 * p > 0 the window's (first) argmax holds that positive value, so x > 0 there and the Relu mask is 1;
 * where p = 0 every element of the window is relu(·) = 0, the argmax holds an x ≤ 0 and the Relu mask
 * is 0 — the pooled mask is 0 too. Pads are −∞ for MaxPool and never win. It saves the Relu rule's
 * three full-resolution passes (Greater, Cast, Mul) for three on the k-times smaller pooled tensor.
 */
import { Node } from '../onnx/ir';

/** Shortcuts found in a forward node list. */
export interface GradientShortcuts {
  /** MaxPool nodes whose incoming gradient is masked by [output > 0] (value: the Relu feeding them). */
  maskedPools: Map<Node, Node>;
  /** Relu nodes whose gradient is passed through unchanged (their mask moved to the MaxPool). */
  passThrough: Set<Node>;
}

/**
 * Finds the Relu → MaxPool pairs whose mask can move to the pooled side: the Relu output is read by
 * the MaxPool only (and is not one of `keep`, the values the gradient model exposes).
 */
export function findShortcuts(forward: Node[], keep: ReadonlySet<string>): GradientShortcuts {
  const readers = new Map<string, Node[]>();
  for (const n of forward) for (const i of n.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  const producer = new Map<string, Node>();
  forward.forEach((n) => n.outputs.forEach((o) => o && producer.set(o, n)));
  const maskedPools = new Map<Node, Node>();
  const passThrough = new Set<Node>();
  for (const pool of forward) {
    if (pool.opType !== 'MaxPool' || pool.domain !== '') continue;
    const relu = producer.get(pool.inputs[0]);
    if (!relu || relu.opType !== 'Relu' || relu.domain !== '' || keep.has(relu.outputs[0])) continue;
    if ((readers.get(relu.outputs[0]) ?? []).length !== 1) continue;
    maskedPools.set(pool, relu);
    passThrough.add(relu);
  }
  return { maskedPools, passThrough };
}
