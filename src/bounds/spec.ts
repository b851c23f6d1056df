/**
 * The specification: lower bounds of the margins logit_y − logit_j, for every class j, over the
 * input box. When the logits come from a linear layer with constant weights (Gemm, or MatMul
 * optionally followed by Add of a constant bias), the specification matrix C (rows e_y − e_j) is
 * folded into it: the margins are the affine map h ↦ (W_y − W_j)·h + (b_y − b_j) of that layer's
 * input h, bounded in one step, which is much tighter than subtracting logit intervals (Gowal et
 * al. 2018, §3; the same folding CROWN starts from). Otherwise margin_lo = lo_y − hi_j.
 */
import { Node, TensorValue, attrFloat, attrInt, tensorFromNumbers, tensorToNumbers } from '../onnx/ir';
import type { IbpBuilder } from './ibp-context';
import { centreRadius } from './rules/common';
import type { Interval } from './types';
import { LABELS } from './names';

/** The value holding margin_lo [N, K] (float32). */
export function specMargins(b: IbpBuilder, order: Node[], logits: string): string {
  const layer = lastLinearLayer(b, order, logits);
  const prefix = 'spec';
  const op = (opType: string, inputs: string[], attrs = {}) => b.op(prefix, opType, inputs, attrs);
  const axes = (v: number[]) => b.w.ints(prefix, v);
  if (layer) {
    const { h, weights, bias } = layer;
    const W = b.w.constant(prefix, weights); // [K, H]
    const B = b.w.constant(prefix, bias); // [K]
    const ctx = b.context({ name: 'spec', opType: 'Spec', domain: '', inputs: [], outputs: [], attributes: new Map() });
    const { c, r } = centreRadius(ctx, h);
    const D = op('Sub', [op('Unsqueeze', [op('Gather', [W, LABELS], { axis: 0 }), axes([1])]), W]); // [N, K, H]
    const absD = op('Abs', [D]);
    const bd = op('Sub', [op('Unsqueeze', [op('Gather', [B, LABELS], { axis: 0 }), axes([1])]), B]); // [N, K]
    const times = (m: string, v: string) => op('Squeeze', [op('MatMul', [m, op('Unsqueeze', [v, axes([2])])]), axes([2])]);
    const mc = op('Add', [times(D, c), bd]);
    const mr = times(absD, r);
    const mag = op('Add', [times(absD, op('Add', [op('Abs', [c]), r])), op('Abs', [bd])]);
    // H products, the bias, and the rounding of W_y − W_j and b_y − b_j.
    return b.outward(prefix, op('Sub', [mc, mr]), op('Add', [mc, mr]), mag, weights.dims[1] + 3).lo;
  }
  const z = b.intervals.get(logits)!;
  const lowY = op('GatherElements', [z.lo, op('Unsqueeze', [LABELS, axes([1])])], { axis: 1 }); // [N, 1]
  const m = op('Sub', [lowY, z.hi]);
  return b.outward(prefix, m, m, op('Max', [op('Abs', [lowY]), op('Abs', [z.hi])]), 1).lo;
}

/** The logits' producing linear layer as h ↦ W·h + b (W [K, H], b [K], float32), when there is one. */
function lastLinearLayer(b: IbpBuilder, order: Node[], logits: string): { h: Interval; weights: TensorValue; bias: TensorValue } | undefined {
  const producer = new Map<string, Node>();
  order.forEach((n) => n.outputs.forEach((o) => producer.set(o, n)));
  const p = producer.get(logits);
  if (!p) return undefined;
  if (p.opType === 'Gemm' && !attrInt(p, 'transA', 0)) {
    const h = b.intervals.get(p.inputs[0]);
    const B = b.consts.get(p.inputs[1]);
    const C = p.inputs[2] ? b.consts.get(p.inputs[2]) : undefined;
    if (!h || !B || b.intervals.has(p.inputs[1]) || (p.inputs[2] && !C) || B.dims.length !== 2) return undefined;
    const alpha = attrFloat(p, 'alpha', 1), beta = attrFloat(p, 'beta', 1);
    const [K, H] = attrInt(p, 'transB', 0) ? [B.dims[0], B.dims[1]] : [B.dims[1], B.dims[0]];
    const weights = matrix(B, attrInt(p, 'transB', 0) === 1, alpha);
    const bias = C ? broadcastBias(C, K, beta) : new Array(K).fill(0);
    if (!bias || b.shapeOf(p.inputs[0]).length !== 2) return undefined;
    return { h, weights: tensorFromNumbers('float32', [K, H], weights), bias: tensorFromNumbers('float32', [K], bias) };
  }
  const viaMatMul = (mm: Node | undefined, biasName?: string) => {
    if (!mm || mm.opType !== 'MatMul') return undefined;
    const h = b.intervals.get(mm.inputs[0]);
    const Wt = b.consts.get(mm.inputs[1]);
    if (!h || !Wt || Wt.dims.length !== 2 || b.shapeOf(mm.inputs[0]).length !== 2) return undefined;
    const [H, K] = Wt.dims;
    const C = biasName ? b.consts.get(biasName) : undefined;
    if (biasName && (!C || b.intervals.has(biasName))) return undefined;
    const bias = C ? broadcastBias(C, K, 1) : new Array(K).fill(0);
    if (!bias) return undefined;
    return { h, weights: tensorFromNumbers('float32', [K, H], matrix(Wt, false, 1)), bias: tensorFromNumbers('float32', [K], bias) };
  };
  if (p.opType === 'MatMul') return viaMatMul(p);
  if (p.opType === 'Add') {
    for (const [m, c] of [[0, 1], [1, 0]]) {
      const mm = producer.get(p.inputs[m]);
      if (mm && b.consts.has(p.inputs[c]) && onlyConsumer(order, mm.outputs[0], p)) return viaMatMul(mm, p.inputs[c]);
    }
  }
  return undefined;
}

/** Rows of W [K, H] from B stored [H, K] (transposed = false) or [K, H], times alpha. */
function matrix(B: TensorValue, rowsAreClasses: boolean, alpha: number): number[] {
  const v = tensorToNumbers(B);
  const [R, S] = B.dims;
  if (rowsAreClasses) return v.map((x) => x * alpha);
  const out = new Array(R * S);
  for (let i = 0; i < R; i++) for (let j = 0; j < S; j++) out[j * R + i] = v[i * S + j] * alpha;
  return out;
}

/**
 * The per-class bias b [K] (times beta) of a bias that broadcasts against the layer's [N, K]
 * product without changing it: a scalar ([], [1], [1, 1]), [K] or [1, K]. Any other shape ([K, 1],
 * [2, K], [N, K] …) varies along the batch axis or reshapes the logits, so it is not a per-class
 * bias: undefined, and the specification is not folded (margin_lo = lo_y − hi_j instead).
 */
function broadcastBias(C: TensorValue, K: number, beta: number): number[] | undefined {
  const dims = C.dims;
  const last = dims.length ? dims[dims.length - 1] : 1;
  if (dims.length > 2 || dims.slice(0, -1).some((d) => d !== 1) || (last !== 1 && last !== K)) return undefined;
  const v = tensorToNumbers(C);
  return last === K ? v.map((x) => x * beta) : new Array(K).fill(v[0] * beta);
}

function onlyConsumer(order: Node[], value: string, consumer: Node): boolean {
  return order.every((n) => n === consumer || !n.inputs.includes(value));
}
