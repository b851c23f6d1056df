/**
 * Per-class robustness: clean and robust accuracy per true class, the spread of robust accuracy
 * across classes, and where the broken points go (the adversarial confusion matrix and its
 * heaviest off-diagonal cells). Pure: it reads the per-point verdicts of an audit.
 *
 * A broken point contributes to confusion[t][p] with t its true label and p the class of its
 * verified adversarial example; a clean-misclassified point (δ = 0) with p its clean prediction.
 * Predictions of −1 (no majority class on a model with random ops) fall in no cell but still
 * count as broken.
 */
import { UsageError } from '../errors';
import type { PerClass } from '../schema/report';
import { clopperPearson } from '../util/clopper-pearson';

/** Classes with fewer points than this are marked `smallSample`: their figures are too uncertain to compare. */
export const SMALL_CLASS = 30;

/** Default number of hard (true → adversarial class) pairs reported. */
export const DEFAULT_TOP_PAIRS = 5;

/** Per-point verdicts of an audit, indexed like the evaluation set. */
export interface PerClassInput {
  /** True labels, in [0, numClasses). */
  labels: Int32Array;
  /** Clean predictions (−1: no majority on a randomized model). */
  cleanPred: Int32Array;
  /** 1 robust (clean-correct and never broken), 0 otherwise. */
  robust: Uint8Array;
  /** Class of the verified adversarial example (the clean prediction where none). */
  advPred: Int32Array;
  numClasses: number;
  /** Hard pairs to report (default 5). */
  topPairs?: number;
}

/**
 * Per-class clean/robust accuracy with their intervals (classes under SMALL_CLASS points marked), the robust-accuracy gap, the adversarial confusion matrix and
 * the `topPairs` heaviest off-diagonal cells (count descending; ties by `from`, then `to`).
 * @throws UsageError when the arrays differ in length, a label or prediction is out of range, a
 *   point is marked robust although its clean prediction is wrong, or topPairs is not an integer ≥ 0.
 */
export function perClassAnalysis(input: PerClassInput): PerClass {
  const { labels, cleanPred, robust, advPred, numClasses: C } = input;
  const topPairs = input.topPairs ?? DEFAULT_TOP_PAIRS;
  check(input, topPairs);
  const n = labels.length;
  const count = new Array<number>(C).fill(0);
  const clean = new Array<number>(C).fill(0);
  const rob = new Array<number>(C).fill(0);
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  let broken = 0;
  for (let i = 0; i < n; i++) {
    const t = labels[i];
    count[t]++;
    const cleanOk = cleanPred[i] === t;
    if (cleanOk) clean[t]++;
    if (robust[i]) { rob[t]++; continue; }
    broken++;
    const p = cleanOk ? advPred[i] : cleanPred[i];
    if (p >= 0) confusion[t][p]++;
  }
  const classes = count.map((k, t) => ({
    label: t,
    n: k,
    cleanAccuracy: k > 0 ? clean[t] / k : null,
    cleanAccuracyInterval: k > 0 ? clopperPearson(clean[t], k) : null,
    robustAccuracy: k > 0 ? rob[t] / k : null,
    robustAccuracyInterval: k > 0 ? clopperPearson(rob[t], k) : null,
    smallSample: k < SMALL_CLASS,
  }));
  const present = classes.filter((c) => c.n > 0).map((c) => c.robustAccuracy!);
  const robustAccuracyGap = present.length > 0 ? Math.max(...present) - Math.min(...present) : 0;

  const pairs: { from: number; to: number; count: number }[] = [];
  for (let t = 0; t < C; t++) for (let p = 0; p < C; p++) if (p !== t && confusion[t][p] > 0) pairs.push({ from: t, to: p, count: confusion[t][p] });
  pairs.sort((a, b) => b.count - a.count || a.from - b.from || a.to - b.to);
  const hardPairs = pairs.slice(0, topPairs).map((q) => ({ ...q, shareOfBroken: q.count / broken }));
  return { classes, robustAccuracyGap, adversarialConfusion: confusion, hardPairs };
}

function check({ labels, cleanPred, robust, advPred, numClasses: C }: PerClassInput, topPairs: number): void {
  if (!Number.isInteger(C) || C < 1) throw new UsageError(`numClasses must be a positive integer, got ${C}`);
  if (!Number.isInteger(topPairs) || topPairs < 0) throw new UsageError(`topPairs must be an integer ≥ 0, got ${topPairs}`);
  const n = labels.length;
  if (cleanPred.length !== n || robust.length !== n || advPred.length !== n) {
    throw new UsageError(`per-class analysis: labels (${n}), cleanPred (${cleanPred.length}), robust (${robust.length}) and advPred (${advPred.length}) must have one entry per point`);
  }
  for (let i = 0; i < n; i++) {
    if (!(labels[i] >= 0 && labels[i] < C)) throw new UsageError(`label ${labels[i]} of point ${i} is outside 0…${C - 1}`);
    for (const [name, p] of [['cleanPred', cleanPred[i]], ['advPred', advPred[i]]] as const) {
      if (!(p >= -1 && p < C)) throw new UsageError(`${name} ${p} of point ${i} is outside −1…${C - 1}`);
    }
    if (robust[i] && cleanPred[i] !== labels[i]) throw new UsageError(`point ${i} is marked robust but its clean prediction ${cleanPred[i]} is not its label ${labels[i]}`);
  }
}
