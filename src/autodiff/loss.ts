/**
 * Per-sample attack losses on logits z [N, C], all to be MAXIMISED by an attacker:
 *   ce     logsumexp(z) − z_y                      ce (targeted)   z_t − logsumexp(z)
 *   cw     max_{j≠y} z_j − z_y                     cw (targeted)   z_t − max_{j≠t} z_j
 *   dlr    −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3 + 1e-12)                     (Croce & Hein 2020)
 *   dlr-t  −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2 + 1e-12)                    (AutoAttack APGD-T)
 * with z_π1 ≥ z_π2 ≥ … the sorted logits. Emitted as ordinary forward nodes, so the same
 * rules differentiate them; the max-shift inside logsumexp is a stop-gradient edge.
 * The loss head runs in float64 whatever the model's dtype: for a confident sample CE's
 * logit gradient is p − onehot(y) with p_y ≈ 1 − 1e-5, which float32 resolves to only ~1%.
 * https://arxiv.org/abs/2003.01690
 */
import { InternalError, ModelError } from '../errors';
import { DType, Node, tensorFromNumbers } from '../onnx/ir';
import { GraphWriter } from '../onnx/graph-writer';
import { ShapeInfo } from '../onnx/shapes';

export type LossKind = 'ce' | 'cw' | 'dlr';
export const LOSS_KINDS: readonly LossKind[] = ['ce', 'cw', 'dlr'];

export interface LossSpec {
  kind: LossKind;
  targeted: boolean;
  logits: string;
  numClasses: number;
  labels: string;
  target?: string;
  dtype: DType;
  /** Names to give the [N, C] logits and the [N] loss. */
  logitsOut: string;
  lossOut: string;
  /** Batch size at which the probe observed the logits (shapes recorded for the loss values use it). */
  probeBatch: number;
}

/** Emits the loss nodes; returns them, the stop-gradient values, and the shapes of every value they create. */
export function buildLoss(w: GraphWriter, s: LossSpec): { nodes: Node[]; stopGradient: Set<string>; shapes: ShapeInfo } {
  const C = s.numClasses;
  if (s.kind === 'dlr' && C < (s.targeted ? 4 : 3)) {
    throw new ModelError(`the ${s.targeted ? 'targeted ' : ''}DLR loss needs at least ${s.targeted ? 4 : 3} classes; the model has ${C}`);
  }
  const start = w.nodes.length;
  const P = 'loss';
  const B = s.probeBatch;
  const D: DType = 'float64';
  const shapes: ShapeInfo = new Map();
  const record = (name: string, shape: number[], dtype: DType = D) => { shapes.set(name, { dtype, shape }); return name; };
  // Every loss value is [B, C], [B, 1], [B] or [B, k]; callers give the shape of what they create.
  const op = (t: string, ins: string[], shape: number[], attrs = {}, dtype: DType = D) =>
    record(w.op(P, t, ins, 1, attrs)[0], shape, dtype);
  const scalar = (v: number) => record(w.scalar(P, v, D), []);
  const ints = (v: number[]) => record(w.ints(P, v), [v.length], 'int64');
  const stop = new Set<string>();
  const BC = [B, C], B1 = [B, 1], N = [B];

  const zr = op('Reshape', [s.logits, ints([-1, C])], BC, {}, s.dtype);
  w.nodes.push({ name: w.fresh('logits_out'), opType: 'Identity', domain: '', inputs: [zr], outputs: [s.logitsOut], attributes: new Map() });
  record(s.logitsOut, BC, s.dtype);
  const z = s.dtype === D ? s.logitsOut : op('Cast', [s.logitsOut], BC, { to: 11 });
  record(s.labels, N, 'int64');
  if (s.target) record(s.target, N, 'int64');
  // One-hot masks as Equal(labels[:, None], 0..C-1): OneHot has no float64 kernel in ONNX Runtime.
  const classes = record(w.constant(P, tensorFromNumbers('int64', [C], [...Array(C).keys()])), [C], 'int64');
  const oneHot = (labels: string) => {
    const isLabel = op('Equal', [op('Unsqueeze', [labels, ints([1])], B1, {}, 'int64'), classes], BC, {}, 'bool');
    return { mask: isLabel, hot: op('Cast', [isLabel], BC, { to: 11 }) };
  };
  const pick = (hot: { hot: string }) => op('ReduceSum', [op('Mul', [z, hot.hot], BC), ints([1])], N, { keepdims: 0 });
  const maxOther = (hot: { mask: string }) =>
    op('ReduceMax', [op('Where', [hot.mask, scalar(-Infinity), z], BC)], N, { axes: [1], keepdims: 0 });
  const logSumExp = () => {
    const m = op('ReduceMax', [z], B1, { axes: [1], keepdims: 1 });
    stop.add(m);
    const sumExp = op('ReduceSum', [op('Exp', [op('Sub', [z, m], BC)], BC), ints([1])], N, { keepdims: 0 });
    return op('Add', [op('Log', [sumExp], N), op('Squeeze', [m, ints([1])], N)], N);
  };
  const sorted = (k: number) => {
    const [values, indices] = w.op(P, 'TopK', [z, ints([k])], 2, { axis: 1, largest: 1, sorted: 1 });
    record(indices, [B, k], 'int64');
    return record(values, [B, k]);
  };
  const col = (t: string, i: number) => op('Gather', [t, record(w.constant(P, tensorFromNumbers('int64', [], [i])), [], 'int64')], N, { axis: 1 });

  const hotY = oneHot(s.labels);
  const zy = pick(hotY);
  let loss: string;
  if (!s.targeted) {
    if (s.kind === 'ce') loss = op('Sub', [logSumExp(), zy], N);
    else if (s.kind === 'cw') loss = op('Sub', [maxOther(hotY), zy], N);
    else {
      const top = sorted(3);
      const denom = op('Add', [op('Sub', [col(top, 0), col(top, 2)], N), scalar(1e-12)], N);
      loss = op('Div', [op('Sub', [maxOther(hotY), zy], N), denom], N);
    }
  } else {
    if (!s.target) throw new InternalError('targeted loss without a target input');
    const hotT = oneHot(s.target);
    const zt = pick(hotT);
    if (s.kind === 'ce') loss = op('Sub', [zt, logSumExp()], N);
    else if (s.kind === 'cw') loss = op('Sub', [zt, maxOther(hotT)], N);
    else {
      const top = sorted(4);
      const mid = op('Mul', [op('Add', [col(top, 2), col(top, 3)], N), scalar(0.5)], N);
      const denom = op('Add', [op('Sub', [col(top, 0), mid], N), scalar(1e-12)], N);
      loss = op('Div', [op('Sub', [zt, zy], N), denom], N);
    }
  }
  const lossOut = s.dtype === D ? loss : op('Cast', [loss], N, { to: 1 }, s.dtype);
  w.nodes.push({ name: w.fresh('loss_out'), opType: 'Identity', domain: '', inputs: [lossOut], outputs: [s.lossOut], attributes: new Map() });
  record(s.lossOut, N, s.dtype);
  return { nodes: w.nodes.splice(start), stopGradient: stop, shapes };
}
