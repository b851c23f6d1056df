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
 *
 * Conv → [BatchNormalization] → [Relu] → MaxPool (each output read only by the next node): conv-pool.ts computes the Conv's
 * dx straight from the pooled gradient, where its conditions hold (tiling windows, a stride-1 conv
 * whose dx would be a ConvTranspose); otherwise each node takes its own rule.
 */
import { Node } from '../onnx/ir';

/** Shortcuts found in a forward node list. */
export interface GradientShortcuts {
  /** MaxPool nodes whose incoming gradient is masked by [output > 0] (value: the Relu feeding them). */
  maskedPools: Map<Node, Node>;
  /** Relu nodes whose gradient is passed through unchanged (their mask moved to the MaxPool). */
  passThrough: Set<Node>;
  /** MaxPool nodes fed by a Conv (directly, or through a BatchNormalization and/or a Relu of maskedPools): candidates for conv-pool.ts. */
  convPools: Map<Node, ConvChain>;
}

/** The Conv (and the inference BatchNormalization after it, if any) feeding a MaxPool. */
export interface ConvChain {
  conv: Node;
  batchNorm?: Node;
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
  const onlyReader = (v: string) => !keep.has(v) && (readers.get(v) ?? []).length === 1;
  const maskedPools = new Map<Node, Node>();
  const passThrough = new Set<Node>();
  const convPools = new Map<Node, ConvChain>();
  for (const pool of forward) {
    if (pool.opType !== 'MaxPool' || pool.domain !== '') continue;
    let from = producer.get(pool.inputs[0]);
    if (from && from.opType === 'Relu' && from.domain === '' && onlyReader(from.outputs[0])) {
      maskedPools.set(pool, from);
      passThrough.add(from);
      from = producer.get(from.inputs[0]);
      if (!from || !onlyReader(from.outputs[0])) continue;
    } else if (!from || !onlyReader(from.outputs[0])) continue;
    let batchNorm: Node | undefined;
    if (from.opType === 'BatchNormalization' && from.domain === '') {
      batchNorm = from;
      from = producer.get(from.inputs[0]);
      if (!from || !onlyReader(from.outputs[0])) continue;
    }
    if (from.opType === 'Conv' && from.domain === '') convPools.set(pool, { conv: from, batchNorm });
  }
  return { maskedPools, passThrough, convPools };
}
