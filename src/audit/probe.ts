/**
 * Probes the model before the battery: what its outputs look like, whether they are random, and
 * whether its gradients are informative. The evidence drives the adaptations (./adaptations) and
 * the reliability checks (./checks); every number is kept for the report.
 *
 * Checks follow AutoAttack's `checks.py` (Croce & Hein 2020, arXiv:2003.01690: softmax outputs,
 * randomized defences, zero gradients) and Carlini et al. 2019, "On Evaluating Adversarial
 * Robustness", arXiv:1902.06705 §4 (gradient masking symptoms).
 */
import type { AttackModel } from '../attacks/types';
import type { LossKind } from '../autodiff/loss';
import { argmaxRows } from '../attacks/tensor';
import { ModelError } from '../errors';

export interface ProbeEvidence {
  /** Clean-correct points probed (the first ones of the set). */
  points: number;
  outputs: {
    /** Trailing Softmax/LogSoftmax removed by the runtime, or null. */
    strippedSoftmax: string | null;
    /** Share of probed rows (of the logits the attacks see) that are in [0,1] and sum to 1 ± 1e-3. */
    probabilityRows: number;
    /** Share of rows that are ≤ 0 with logsumexp 0 ± 1e-3 (log-probabilities). */
    logProbabilityRows: number;
  };
  randomness: {
    /** Random ops reachable from the input (from the graph). */
    graphOps: string[];
    /** Largest |Δ logit| between two forward passes of the same inputs. */
    maxLogitDiff: number;
    /** Share of probed points whose predicted class differed between the two passes. */
    predictionFlips: number;
  };
  gradients: {
    /** Share of probed points whose CE input gradient is exactly zero. */
    ceZero: number;
    /** Same for the CW margin loss. */
    cwZero: number;
    /** Same for CE with straight-through (BPDA) gradients; null when the model has no piecewise-constant op. */
    ceZeroStraightThrough: number | null;
    /** Same for the CW margin with straight-through gradients (absent in older checkpoints). */
    cwZeroStraightThrough?: number | null;
    /** Median over points of mean |∂CE/∂x| (per input element). */
    medianCeGradMeanAbs: number;
    /** Median logit margin z_y − max_{j≠y} z_j of the probed points. */
    medianMargin: number;
  };
  nonDifferentiable: string[];
}

/** Probes the first `maxPoints` clean-correct points (indices into x; cleanPred from a prior predict). */
export async function probeModel(
  model: AttackModel, x: Float32Array, y: Int32Array, cleanPred: Int32Array, maxPoints: number, signal?: AbortSignal,
): Promise<ProbeEvidence> {
  const info = model.info;
  const per = x.length / y.length;
  const idx: number[] = [];
  for (let i = 0; i < y.length && idx.length < maxPoints; i++) if (cleanPred[i] === y[i]) idx.push(i);
  const m = idx.length;
  const xs = new Float32Array(m * per);
  idx.forEach((i, j) => xs.set(x.subarray(i * per, (i + 1) * per), j * per));
  const ys = Int32Array.from(idx, (i) => y[i]);
  const C = info.numClasses;

  const z1 = await model.predict(xs, m, { signal });
  const z2 = await model.predict(xs, m, { signal });
  let maxDiff = 0;
  for (let k = 0; k < z1.length; k++) maxDiff = Math.max(maxDiff, Math.abs(z1[k] - z2[k]));
  const p1 = argmaxRows(z1, m), p2 = argmaxRows(z2, m);
  let flips = 0, probRows = 0, logProbRows = 0;
  const margins: number[] = [];
  for (let i = 0; i < m; i++) {
    const row = z1.subarray(i * C, (i + 1) * C);
    if (p1[i] !== p2[i]) flips++;
    let sum = 0, inUnit = true, nonPos = true, max = -Infinity, other = -Infinity;
    for (let c = 0; c < C; c++) {
      sum += row[c];
      if (row[c] < 0 || row[c] > 1) inUnit = false;
      if (row[c] > 0) nonPos = false;
      max = Math.max(max, row[c]);
      if (c !== ys[i]) other = Math.max(other, row[c]);
    }
    if (inUnit && Math.abs(sum - 1) <= 1e-3) probRows++;
    let lse = 0;
    for (let c = 0; c < C; c++) lse += Math.exp(row[c] - max);
    if (nonPos && Math.abs(max + Math.log(lse)) <= 1e-3) logProbRows++;
    margins.push(row[ys[i]] - other);
  }

  const zeroShare = async (loss: LossKind, straightThrough: boolean) => {
    let g;
    try {
      g = await model.lossAndGrad(xs, m, ys, { loss, straightThrough, signal });
    } catch (e) {
      // Every path from the input to the logits crosses a piecewise-constant op: the true gradient
      // is 0 everywhere, and the runtime refuses to build a graph that only returns zeros.
      if (!straightThrough && info.nonDifferentiable.length > 0 && e instanceof ModelError) return { zero: 1, meanAbs: new Array<number>(m).fill(0) };
      throw e;
    }
    let zero = 0;
    const meanAbs: number[] = [];
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let k = i * per; k < (i + 1) * per; k++) s += Math.abs(g.grad[k]);
      if (s === 0) zero++;
      meanAbs.push(s / per);
    }
    return { zero: m ? zero / m : 0, meanAbs };
  };
  const ce = await zeroShare('ce', false);
  const cw = await zeroShare('cw', false);
  const ceSt = info.nonDifferentiable.length > 0 ? (await zeroShare('ce', true)).zero : null;
  // Piecewise-constant ops and saturated logits together (e.g. sign activations and integer logits
  // ×1000): BPDA gives the margin a gradient while CE still underflows.
  const cwSt = info.nonDifferentiable.length > 0 ? (await zeroShare('cw', true)).zero : null;

  return {
    points: m,
    outputs: { strippedSoftmax: info.strippedSoftmax ?? null, probabilityRows: m ? probRows / m : 0, logProbabilityRows: m ? logProbRows / m : 0 },
    randomness: { graphOps: [...info.random], maxLogitDiff: maxDiff, predictionFlips: m ? flips / m : 0 },
    gradients: { ceZero: ce.zero, cwZero: cw.zero, ceZeroStraightThrough: ceSt, cwZeroStraightThrough: cwSt, medianCeGradMeanAbs: median(ce.meanAbs), medianMargin: median(margins) },
    nonDifferentiable: [...info.nonDifferentiable],
  };
}

/** Median of a list (NaN when empty). */
export function median(v: readonly number[]): number {
  if (v.length === 0) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
