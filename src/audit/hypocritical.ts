/**
 * Hypocritical risk.
 * Tao, Feng, Yi, Huang, Chen, "With False Friends Like These, Who Can Notice Mistakes?", AAAI 2022.
 * https://arxiv.org/abs/2107.07759
 *
 * A "false friend" perturbs inputs within the threat set to make a model look BETTER: a
 * misclassified point x (label y) is fixable when some x' ∈ B_ε(x) ∩ box is classified y. The
 * hypocritical risk is the fraction of the set that is fixable; clean accuracy + risk is the
 * accuracy a false friend could make an evaluation show, so a substandard model is "fakeable" when
 * that lifts it over the bar. Search (as fixtures/generate_reference_audit.py, case e), on each
 * clean-misclassified point only: targeted PGD toward the true label,
 *
 *   x₀ uniform in B_ε(x) ∩ box,   x_{t+1} = Π( x_t + α·step(∇ₓ[z_y − logsumexp(z)](x_t)) ),   α = 2.5ε/T,
 *
 * with step = sign (L∞) or g/‖g‖₂ (L2). A deterministic model keeps each point's first iterate
 * (x₀ … x_T) whose logits have argmax y; a model with random ops keeps every point's iterate of
 * highest (EOT-mean) targeted loss. Every candidate is then VERIFIED by a fresh forward pass (the
 * majority of ctx.successDraws draws on random models) classifying it y, with ‖δ‖ ≤ ε and the box
 * checked in float64: only verified points count. Restarts re-run from fresh random starts on the
 * points not yet fixed.
 */
import { z } from 'zod';
import { UsageError } from '../errors';
import type { Hypocritical } from '../schema/report';
import { clopperPearson } from '../util/clopper-pearson';
import { eotLossAndGrad, eotParam } from '../attacks/eot';
import { throwIfCancelled } from '../attacks/fgsm';
import { project, rowNorms } from '../attacks/project';
import { checkThreat, DEFAULT_SUCCESS_DRAWS, predictClasses } from '../attacks/run';
import { gradientStep, randomStart } from '../attacks/steps';
import { argmaxRows, batchIds, keepRows, selectBatch, selectRows } from '../attacks/tensor';
import { hasGradients, type AttackBatch, type AttackContext, type AttackModel, type ThreatModel } from '../attacks/types';
import { sampleRng } from '../util/random';
import { describeIssues } from '../util/zod';

/** Name of the search recorded in the report. */
export const HYPOCRITICAL_ATTACK = 'pgd-toward-label';

/**
 * Base of the per-sample random streams (sampleRng) of the random starts; restart r uses
 * HYPOCRITICAL_STREAM + r. Attacks use streams 0, 1, 2 … (their restart or run index), so the
 * false friend's starts never coincide with an attack's.
 */
export const HYPOCRITICAL_STREAM = 0x68797000;

const fraction = z.number().min(0).max(1);

/** Search parameters (validated; defaults filled in). */
export const hypocriticalParamsSchema = z.strictObject({
  steps: z.number().int().min(1).max(100_000).default(100).describe('PGD steps per restart (T); T + 1 iterates are evaluated'),
  restarts: z.number().int().min(1).max(10_000).default(1).describe('runs from fresh random starts on the points not yet fixed'),
  eot: eotParam,
  straightThrough: z.boolean().default(false).describe('BPDA: identity gradient through piecewise-constant ops'),
  substandardBelow: fraction.describe('clean accuracy below which the model counts as substandard'),
});

/** Validated search parameters. */
export type HypocriticalParams = z.infer<typeof hypocriticalParamsSchema>;
type Params = HypocriticalParams;

/** Options of hypocriticalRisk. */
export type HypocriticalOptions = z.input<typeof hypocriticalParamsSchema> & {
  /** Clean predictions (as predictClasses returns them); skips the clean predict when given. */
  cleanPred?: Int32Array;
};

/** Per-point outcome of the false-friend search. */
export interface FixableSearch {
  /** Validated parameters, defaults filled in. */
  params: Params;
  /** Step size α = 2.5·ε/steps. */
  stepSize: number;
  /** Clean predictions (given, or the majority of ctx.successDraws draws). */
  cleanPred: Int32Array;
  /** 1 where the point is misclassified clean and a verified x' within the threat set is classified y. */
  fixable: Uint8Array;
  /** The verified x' where fixable, else x. */
  xFixed: Float32Array;
}

/**
 * The false-friend search of the file header, per point: targeted PGD toward the true label on
 * the clean-misclassified points, every candidate verified. `ctx.onProgress` reports iterations
 * done of restarts·(steps + 1), with `robustAccuracy` the fraction of the attacked
 * (misclassified) points not yet fixed.
 * @throws UsageError for bad options, a batch that does not fit, or a model without gradients;
 *   CancelledError when ctx.signal aborts.
 */
export async function findFixable(
  model: AttackModel, batch: AttackBatch, threat: ThreatModel, opts: HypocriticalOptions, ctx: AttackContext,
): Promise<FixableSearch> {
  const { cleanPred, ...rest } = opts;
  const parsed = hypocriticalParamsSchema.safeParse(rest);
  if (!parsed.success) {
    throw new UsageError(`invalid hypocritical-risk options: ${describeIssues(parsed.error, '(options)')}`);
  }
  const p = parsed.data;
  if (batch.n < 1) throw new UsageError('hypocritical risk needs at least one point');
  checkThreat(batch, threat);
  if (!hasGradients(model)) throw new UsageError('hypocritical risk needs gradients, but this model only provides logits');
  const { n } = batch;
  const per = batch.x.length / n;
  const C = model.info.numClasses;
  for (let i = 0; i < n; i++) if (!(batch.y[i] >= 0 && batch.y[i] < C)) throw new UsageError(`label ${batch.y[i]} of point ${i} is outside 0…${C - 1}`);
  if (cleanPred && cleanPred.length !== n) throw new UsageError(`cleanPred has ${cleanPred.length} entries for ${n} points`);
  throwIfCancelled(ctx);

  const draws = ctx.successDraws ?? DEFAULT_SUCCESS_DRAWS;
  const clean = cleanPred ?? await predictClasses(model, batch.x, n, draws, ctx.signal);
  const mis = [...Array(n).keys()].filter((i) => clean[i] !== batch.y[i]);
  const fixable = new Uint8Array(n);
  const xFixed = Float32Array.from(batch.x);
  const stepSize = (2.5 * threat.eps) / p.steps;
  const total = p.restarts * (p.steps + 1);
  let fixedCount = 0;
  const unfixedShare = (pending: number) => (mis.length > 0 ? (mis.length - fixedCount - pending) / mis.length : 1);

  for (let r = 0; r < p.restarts; r++) {
    const todo = mis.filter((i) => !fixable[i]);
    if (todo.length === 0) break;
    const sub = selectBatch(batch, todo);
    const base = r * (p.steps + 1);
    const { cand, has } = await towardLabel(model, sub, threat, p, stepSize, HYPOCRITICAL_STREAM + r, ctx, (done, open) => {
      ctx.onProgress?.({ attack: HYPOCRITICAL_ATTACK, done: base + done, total, robustAccuracy: unfixedShare(todo.length - open) });
    });
    const rows = [...has.keys()].filter((j) => has[j]);
    if (rows.length === 0) continue;
    const rowsX = selectRows(cand, per, rows);
    const ok = await verify(model, selectBatch(sub, rows), rowsX, threat, draws, ctx);
    rows.forEach((j, k) => {
      if (!ok[k]) return;
      fixable[todo[j]] = 1;
      xFixed.set(rowsX.subarray(k * per, (k + 1) * per), todo[j] * per);
      fixedCount++;
    });
  }
  ctx.onProgress?.({ attack: HYPOCRITICAL_ATTACK, done: total, total, robustAccuracy: unfixedShare(0) });
  return { params: p, stepSize, cleanPred: clean, fixable, xFixed };
}

/**
 * Hypocritical risk of a model on a batch under a threat model (see the file header and
 * findFixable): misclassified and fixable counts, risk = fixable/n, faked accuracy, per true
 * class, and whether a substandard model is fakeable.
 * @throws UsageError for bad options, a batch that does not fit, or a model without gradients;
 *   CancelledError when ctx.signal aborts.
 */
export async function hypocriticalRisk(
  model: AttackModel, batch: AttackBatch, threat: ThreatModel, opts: HypocriticalOptions, ctx: AttackContext,
): Promise<Hypocritical> {
  const started = process.hrtime.bigint();
  const { params: p, stepSize, cleanPred: clean, fixable } = await findFixable(model, batch, threat, opts, ctx);
  const { n, y } = batch;
  const perClass = [...Array(model.info.numClasses).keys()].map((label) => {
    let k = 0, m = 0, f = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] !== label) continue;
      k++;
      if (clean[i] !== label) m++;
      f += fixable[i];
    }
    return { label, n: k, misclassified: m, fixable: f, risk: k > 0 ? f / k : null, riskInterval: k > 0 ? clopperPearson(f, k) : null };
  });
  const misclassified = perClass.reduce((s, c) => s + c.misclassified, 0);
  const fixed = perClass.reduce((s, c) => s + c.fixable, 0);
  const cleanAccuracy = (n - misclassified) / n;
  // (correct + fixable)/n rather than cleanAccuracy + risk: no rounding below the bar.
  const fakedAccuracy = (n - misclassified + fixed) / n;
  const substandard = cleanAccuracy < p.substandardBelow;
  return {
    eps: threat.eps,
    attack: HYPOCRITICAL_ATTACK,
    params: { norm: threat.norm, steps: p.steps, restarts: p.restarts, stepSize, randomStart: true, eot: p.eot, straightThrough: p.straightThrough, loss: 'ce-targeted-true-label' },
    misclassified,
    fixable: fixed,
    risk: fixed / n,
    riskInterval: clopperPearson(fixed, n),
    fakedAccuracy,
    fakedAccuracyInterval: clopperPearson(n - misclassified + fixed, n),
    perClass,
    substandardBelow: p.substandardBelow,
    substandard,
    fakeable: substandard && fakedAccuracy >= p.substandardBelow,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/**
 * One run of targeted PGD toward the true label on every row of `b`. Returns, per row, the kept
 * iterate and whether there is one: the first iterate predicted y (deterministic model), or the
 * iterate of highest targeted loss (random model: every row has one). `tick(done, open)` after
 * each iteration, with `open` the rows still searching.
 */
async function towardLabel(
  model: AttackModel, b: AttackBatch, threat: ThreatModel, p: Params, stepSize: number, stream: number, ctx: AttackContext,
  tick: (done: number, open: number) => void,
): Promise<{ cand: Float32Array; has: Uint8Array }> {
  const per = b.x.length / b.n;
  const ids = batchIds(b);
  const cand = Float32Array.from(b.x);
  const has = new Uint8Array(b.n);
  const bestLoss = new Float64Array(b.n).fill(-Infinity);
  const earlyStop = model.info.random.length === 0;
  let idx = [...Array(b.n).keys()];
  let x0 = b.x, lo = b.lower, hi = b.upper, y = b.y;
  let cur = randomStart(x0, lo, hi, b.n, threat.norm, threat.eps, idx.map((i) => sampleRng(ctx.seed, ids[i], stream)));

  for (let t = 0; t <= p.steps; t++) {
    throwIfCancelled(ctx);
    const m = idx.length;
    const g = await eotLossAndGrad(model, cur, m, y, { loss: 'ce', target: y, straightThrough: p.straightThrough, signal: ctx.signal }, p.eot);
    const pred = argmaxRows(g.logits, m);
    const keep: number[] = [];
    for (let j = 0; j < m; j++) {
      const i = idx[j];
      const row = cur.subarray(j * per, (j + 1) * per);
      if (earlyStop) {
        if (pred[j] === y[j]) { cand.set(row, i * per); has[i] = 1; continue; }
      } else if (g.loss[j] > bestLoss[i]) {
        bestLoss[i] = g.loss[j];
        cand.set(row, i * per);
        has[i] = 1;
      }
      keep.push(j);
    }
    tick(t + 1, keep.length);
    if (t === p.steps || keep.length === 0) break;
    let grad = g.grad;
    if (keep.length < m) {
      idx = keep.map((j) => idx[j]);
      [x0, lo, hi, cur, grad] = keepRows(per, keep, x0, lo, hi, cur, grad);
      y = Int32Array.from(keep, (j) => y[j]);
    }
    gradientStep(threat.norm, cur, grad, idx.length, stepSize);
    project(cur, x0, lo, hi, idx.length, threat.norm, threat.eps);
  }
  return { cand, has };
}

/** 1 where a fresh forward pass (majority of draws) classifies the candidate y, ‖δ‖ ≤ ε and it lies in the box (float64). */
async function verify(model: AttackModel, b: AttackBatch, cand: Float32Array, threat: ThreatModel, draws: number, ctx: AttackContext): Promise<Uint8Array> {
  throwIfCancelled(ctx);
  const per = b.x.length / b.n;
  const pred = await predictClasses(model, cand, b.n, draws, ctx.signal);
  const norms = rowNorms(cand, b.x, b.n, threat.norm);
  return Uint8Array.from(pred, (c, j) => {
    if (c !== b.y[j] || !(norms[j] <= threat.eps)) return 0;
    for (let k = j * per; k < (j + 1) * per; k++) if (!(cand[k] >= b.lower[k] && cand[k] <= b.upper[k])) return 0;
    return 1;
  });
}
