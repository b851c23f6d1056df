/**
 * Evaluation-data integrity: is the owner's evaluation set implausibly easy for this model?
 *
 * A model owner can hand in "hypocritically perturbed" data — each image nudged within ε toward
 * its true label (Tao et al., "With False Friends Like These, Who Can Notice Mistakes?", AAAI
 * 2022, https://arxiv.org/abs/2107.07759) — so the model scores higher on it than on genuine data.
 * Such data show up in the model's own logit margins m = z_y − max_{j≠y} z_j: on the owner's set
 * they are stochastically larger than on an auditor-held reference set of the same task. The check
 * compares the two margin samples with a one-sided two-sample Kolmogorov–Smirnov test (ks.ts):
 *
 *   D⁺ = sup_m (F_reference(m) − F_owner(m)),   p = exp(−2·D⁺²·n_o·n_r/(n_o + n_r))
 *
 * and flags the data when p < α and the owner's median margin exceeds the reference's.
 * Per set it also reports accuracy and the mean true-class softmax probability (float64).
 * On a model with random ops each set gets one forward draw (the two are treated alike).
 */
import { join } from 'node:path';
import { packageRoot } from '../util/entry';
import { DataError, UsageError } from '../errors';
import type { Integrity } from '../schema/report';
import type { AttackModel } from '../attacks/types';
import { ksGreater } from './ks';

/** Default significance level of the KS test. */
export const DEFAULT_INTEGRITY_ALPHA = 1e-3;

/** Labelled inputs, x as [n, ...inputShape]. */
export interface LabelledSet {
  x: Float32Array;
  n: number;
  y: Int32Array;
}

/** The auditor-held reference set, identified in the report by name and file sha256. */
export interface ReferenceSet extends LabelledSet {
  name: string;
  sha256: string;
}

/** Options of dataIntegrity. */
export interface IntegrityOptions {
  /** Significance level of the one-sided KS test (default 1e-3). */
  alpha?: number;
}

/** Nearest folder at or above `from` holding a package.json (works from src/ and from dist/src/). */

/**
 * Reference sets shipped with Gauntlet, by name (absolute paths).
 * - `mnist`: fixtures/data/mnist-reference.npz = images 250…499 of fixtures/data/mnist-eval.npz
 *   (x float32 [250, 1, 28, 28] in [0, 1], y int64 [250]); no fixture model trained on them.
 */
export const BUNDLED_REFERENCES = {
  mnist: join(packageRoot(__dirname), 'fixtures', 'data', 'mnist-reference.npz'),
} as const;

/** Per-set figures and the margins the KS test compares. */
interface SetStats {
  stats: Integrity['owner'];
  margins: Float64Array;
}

/**
 * Compares the owner's evaluation data with a reference set on the same model (see the file header).
 * @throws DataError when a set is empty, its x does not match the model's input size, or a label
 *   is outside the model's classes; UsageError for alpha outside (0, 1) or a malformed sha256.
 */
export async function dataIntegrity(
  model: AttackModel, owner: LabelledSet, reference: ReferenceSet, opts: IntegrityOptions = {},
): Promise<Integrity> {
  const alpha = opts.alpha ?? DEFAULT_INTEGRITY_ALPHA;
  if (!(alpha > 0 && alpha < 1)) throw new UsageError(`alpha must lie in (0, 1), got ${alpha}`);
  if (!/^[0-9a-f]{64}$/.test(reference.sha256)) throw new UsageError(`reference sha256 must be 64 lowercase hex digits, got '${reference.sha256}'`);
  checkSet(model, owner, 'owner evaluation set');
  checkSet(model, reference, `reference set '${reference.name}'`);
  const o = await setStats(model, owner);
  const r = await setStats(model, reference);
  const ks = ksGreater(r.margins, o.margins);
  const larger = o.stats.medianMargin > r.stats.medianMargin;
  const flagged = ks.pValue < alpha && larger;
  const figures = `median margin ${fmt(o.stats.medianMargin)} vs ${fmt(r.stats.medianMargin)}, accuracy ${pct(o.stats.accuracy)} vs ${pct(r.stats.accuracy)}, `
    + `mean true-class confidence ${pct(o.stats.meanConfidence)} vs ${pct(r.stats.meanConfidence)} (owner vs reference)`;
  const test = `KS D⁺ = ${ks.statistic.toFixed(3)}, p = ${ks.pValue.toPrecision(2)} ${ks.pValue < alpha ? '<' : '≥'} α = ${alpha}`;
  const message = flagged
    ? `the owner's data look too easy: their margins are stochastically larger than on the reference set '${reference.name}' (${test}); ${figures}`
    : ks.pValue < alpha
      ? `the owner's margins differ from the reference set '${reference.name}' (${test}) but are not larger in median; ${figures}`
      : `the owner's data are consistent with the reference set '${reference.name}' (${test}); ${figures}`;
  return {
    reference: { name: reference.name, sha256: reference.sha256, n: reference.n },
    owner: o.stats,
    referenceStats: r.stats,
    ks: { statistic: ks.statistic, pValue: ks.pValue },
    flagged,
    message,
  };
}

function checkSet(model: AttackModel, s: LabelledSet, what: string): void {
  const per = model.info.inputShape.reduce((a, b) => a * b, 1);
  const C = model.info.numClasses;
  if (!Number.isInteger(s.n) || s.n < 1) throw new DataError(`${what} is empty`);
  if (s.x.length !== s.n * per) {
    throw new DataError(`${what}: x holds ${s.x.length} values, expected ${s.n} × ${per} for the model input [${model.info.inputShape.join(', ')}]`);
  }
  if (s.y.length !== s.n) throw new DataError(`${what}: ${s.y.length} labels for ${s.n} samples`);
  for (let i = 0; i < s.n; i++) if (!(s.y[i] >= 0 && s.y[i] < C)) throw new DataError(`${what}: label ${s.y[i]} of sample ${i} is outside 0…${C - 1}`);
}

/** Accuracy, mean true-class softmax probability and median margin of one set, all in float64. */
async function setStats(model: AttackModel, s: LabelledSet): Promise<SetStats> {
  const logits = await model.predict(s.x, s.n);
  const C = model.info.numClasses;
  const margins = new Float64Array(s.n);
  let correct = 0, confidence = 0;
  for (let i = 0; i < s.n; i++) {
    const z = logits.subarray(i * C, (i + 1) * C);
    const y = s.y[i];
    let top = 0, other = -Infinity;
    for (let c = 0; c < C; c++) {
      if (z[c] > z[top]) top = c;
      if (c !== y && z[c] > other) other = z[c];
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(z[c] - z[top]);
    confidence += Math.exp(z[y] - z[top]) / sum;
    margins[i] = z[y] - other;
    if (top === y) correct++; // argmax, first maximum on ties (as argmaxRows)
  }
  if (!margins.every(Number.isFinite)) throw new DataError('the model produced non-finite logits on the evaluation data');
  return { stats: { n: s.n, accuracy: correct / s.n, meanConfidence: confidence / s.n, medianMargin: median(margins) }, margins };
}

/** Median (mean of the two middle values for an even count). */
function median(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const fmt = (v: number) => v.toFixed(2);
