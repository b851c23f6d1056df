/**
 * The IBP bound graph of a classifier (Gowal et al. 2018, "On the Effectiveness of Interval
 * Bound Propagation for Training Verifiably Robust Models", arXiv:1810.12715).
 *
 * From the canonical model graph and its probe shapes, emits a standard ONNX graph with inputs
 * `bounds_lo`, `bounds_hi` (an input box per point, shaped like the model input) and `labels`,
 * and one output `margin_lo` [N, K]: for every class j a lower bound of logit_y − logit_j over
 * the whole box (j = y reads ≈ 0 and is ignored). A point is certified when every other entry
 * is > 0. Each op on the input→logits path is bounded by its rule (registry.ts); values that do
 * not depend on the input are computed by the model's own nodes, copied unchanged. The
 * specification is folded into the last linear layer (spec.ts) when the logits come from one.
 */
import { UnsupportedOpError } from '../errors';
import { DType, Graph, Model } from '../onnx/ir';
import { findClassifierIO } from '../onnx/classifier';
import type { ShapeInfo } from '../onnx/shapes';
import { BOUNDS_OPSET, boundsModel, propagateIntervals, pruneDead, usedInitializers, valueMeta } from './propagate';
import { specMargins } from './spec';
import type { BoundRule } from './types';
import { HI, LABELS, LO, MARGIN_LO } from './names';

export { LO, HI, LABELS, MARGIN_LO } from './names';
export { BOUNDS_OPSET };

/** A bound graph and what running it needs. */
export interface BoundGraph {
  model: Model;
  numClasses: number;
  /** Whether dim 0 is a free batch dimension (else one point per run). */
  batched: boolean;
  /** Per-sample input shape. */
  inputShape: number[];
}

/**
 * Builds the IBP bound graph of a canonical float32 classifier.
 * `rules` looks up an op's rule (default: the registry; tests plant others).
 * @throws UnsupportedOpError when an op on the input→logits path has no bound rule (its
 *   message names the op and the node): the caller reports the points as not certified.
 */
export function buildIbpGraph(model: Model, shapes: ShapeInfo, rules?: (opType: string) => BoundRule | undefined): BoundGraph {
  const graph = model.graph;
  const cls = findClassifierIO(model, shapes);
  const meta = (v: string) => valueMeta(shapes, v);
  const inputDtype: DType = meta(cls.input).dtype;
  if (inputDtype !== 'float32') throw new UnsupportedOpError(`the model's input is ${inputDtype}; bounds are computed for float32 models`);

  const bounded = new Map([[cls.input, { lo: LO, hi: HI }]]);
  const { builder: b, order, copied } = propagateIntervals(graph, shapes, bounded, [cls.logits], [LO, HI, LABELS, MARGIN_LO], rules);
  const w = b.w;
  const logits = b.intervals.get(cls.logits);
  if (!logits) throw new UnsupportedOpError(`the logits '${cls.logits}' do not depend on the input`);
  const margin = specMargins(b, order, cls.logits);
  w.nodes.push({ name: w.fresh('margin_out'), opType: 'Identity', domain: '', inputs: [margin], outputs: [MARGIN_LO], attributes: new Map() });

  const sample = meta(cls.input).shape.slice(1);
  const batchDim = cls.batched ? 'N' : 1;
  const nodes = pruneDead([...copied, ...w.nodes], [MARGIN_LO]);
  const out: Graph = {
    name: `${graph.name}_ibp`,
    nodes,
    inputs: [
      { name: LO, dtype: 'float32', shape: [batchDim, ...sample] },
      { name: HI, dtype: 'float32', shape: [batchDim, ...sample] },
      { name: LABELS, dtype: 'int64', shape: [batchDim] },
    ],
    outputs: [{ name: MARGIN_LO, dtype: 'float32', shape: [batchDim, cls.numClasses] }],
    initializers: usedInitializers([...graph.initializers, ...w.initializers], nodes),
    valueInfo: new Map(),
  };
  return { model: boundsModel(out), numClasses: cls.numClasses, batched: cls.batched, inputShape: sample };
}
