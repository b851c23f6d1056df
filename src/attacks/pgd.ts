/**
 * PGD: Projected Gradient Descent (ascent on the loss).
 * Madry, Makelov, Schmidt, Tsipras, Vladu, "Towards Deep Learning Models Resistant to
 * Adversarial Attacks", ICLR 2018. https://arxiv.org/abs/1706.06083
 *
 * Per restart: start at a uniform random point of the ε-ball ∩ box (or at x), then for
 * t = 0 … T−1
 *   x_{t+1} = Π_{B_ε(x) ∩ box}( x_t + α_t · step(∇ₓL(x_t, y)) )
 * with step = sign for L∞ and g/‖g‖₂ for L2 (steps.ts), α = 2.5·ε/T by default (the paper's
 * setting) and optionally a cosine decay α_t = α·(1 + cos(πt/T))/2. Every iterate x_0 … x_T is
 * evaluated (T + 1 gradient calls per restart); per sample the search keeps the first
 * misclassified iterate, else the one of highest loss, across restarts, and a sample leaves
 * the batch as soon as it is misclassified (later restarts attack only the rest).
 *
 * Options: targeted variants (fgsm.ts), BPDA through `straightThrough` (Athalye et al. 2018,
 * https://arxiv.org/abs/1802.00420) and EOT averaging of `eot` draws per step (eot.ts). On a
 * model with random ops a misclassified draw proves nothing (runAttack's majority vote over
 * fresh draws decides success), so on such models no sample stops early: each runs every
 * iteration and restart and returns its iterate of highest EOT-mean loss (progress reports
 * then show robust accuracy 1 until runAttack verifies).
 */
import { z } from 'zod';
import { LossKind } from '../autodiff/loss';
import { sampleRng } from '../util/random';
import { AttackBatch, AttackContext, AttackDefinition, AttackModel, Candidates, ThreatModel } from './types';
import { checkLoss, chooseTargets, lossParam, straightThroughParam, targetedParam, throwIfCancelled } from './fgsm';
import { eotLossAndGrad, eotParam } from './eot';
import { gradientStep, randomStart } from './steps';
import { project } from './project';
import { argmaxRows, batchIds, keepRows, selectRows } from './tensor';

/** Step-size schedules: α_t = α·factor(t). */
export const SCHEDULES = ['constant', 'cosine'] as const;
export type Schedule = (typeof SCHEDULES)[number];

/** Parameters shared by PGD and alternating-loss PGD (everything but the loss). */
export const pgdCommonParams = {
  steps: z.number().int().min(1).max(100_000).default(100).describe('gradient steps per restart (T)'),
  restarts: z.number().int().min(1).max(10_000).default(1).describe('restarts; restarts after the first always start at a random point'),
  stepSize: z.number().positive().finite().optional().describe('step size α in input units (default 2.5·ε/steps, Madry et al.)'),
  randomStart: z.boolean().default(true).describe('start the first restart at a uniform random point of the ε-ball ∩ box (else at x)'),
  targeted: targetedParam,
  straightThrough: straightThroughParam,
  eot: eotParam,
};

const pgdSchema = z.strictObject({
  ...pgdCommonParams,
  loss: lossParam,
  schedule: z.enum(SCHEDULES).default('constant').describe("step-size schedule: 'constant' α, or 'cosine' α·(1 + cos(πt/T))/2"),
});

export type PgdParams = z.infer<typeof pgdSchema>;

/** One configured PGD run: what pgdSearch needs beyond the batch and threat. */
export interface PgdRun {
  /** Attack name for progress reports. */
  attack: string;
  steps: number;
  restarts: number;
  /** Base step size α in input units. */
  stepSize: number;
  randomStart: boolean;
  /** Loss ascended at iteration t (t = steps is the final evaluation). */
  lossAt(t: number): LossKind;
  /** Step-size factor of the step taken at iteration t (0 ≤ t < steps). */
  scheduleAt(t: number): number;
  /**
   * Ranking of iterates that are not misclassified: the loss returned by the model (comparable
   * only when one loss is used), or the logit margin max_{j≠y} z_j − z_y.
   */
  score: 'loss' | 'margin';
  target?: Int32Array;
  straightThrough: boolean;
  eot: number;
}

/** Default step size: 2.5·ε/T (Madry et al. 2018). */
export function defaultStepSize(eps: number, steps: number): number {
  return (2.5 * eps) / steps;
}

/** The PgdRun fields that `pgdCommonParams` set, read as every PGD variant reads them (α default 2.5·ε/T). */
export function commonRun(
  p: Pick<PgdParams, 'steps' | 'restarts' | 'stepSize' | 'randomStart' | 'straightThrough' | 'eot'>, eps: number,
): Pick<PgdRun, 'steps' | 'restarts' | 'stepSize' | 'randomStart' | 'straightThrough' | 'eot'> {
  return {
    steps: p.steps, restarts: p.restarts, stepSize: p.stepSize ?? defaultStepSize(eps, p.steps), randomStart: p.randomStart,
    straightThrough: p.straightThrough, eot: p.eot,
  };
}

/** Factor of the cosine schedule at step t of T: (1 + cos(πt/T))/2, from 1 down towards 0. */
export function cosineFactor(t: number, T: number): number {
  return (1 + Math.cos((Math.PI * t) / T)) / 2;
}

/** The PGD loop over the whole batch; returns the best iterate per sample (x where none was evaluated). */
export async function pgdSearch(model: AttackModel, batch: AttackBatch, threat: ThreatModel, run: PgdRun, ctx: AttackContext): Promise<Candidates> {
  const { n } = batch;
  const per = batch.x.length / n;
  const C = model.info.numClasses;
  const ids = batchIds(batch);
  const best = Float32Array.from(batch.x);
  const bestScore = new Float64Array(n).fill(-Infinity);
  const found = new Uint8Array(n);
  let broken = 0;
  const total = run.restarts * (run.steps + 1);
  const every = Math.max(1, Math.ceil(run.steps / 10));
  const progress = (done: number) => ctx.onProgress?.({ attack: run.attack, done, total, robustAccuracy: n > 0 ? (n - broken) / n : 1 });
  // On a randomized model a misclassified draw (or EOT mean) is no evidence of success: keep
  // every sample to the end and return its best-scoring iterate; runAttack's vote decides.
  const earlyStop = model.info.random.length === 0;

  for (let r = 0; r < run.restarts; r++) {
    let idx: number[] = [];
    for (let i = 0; i < n; i++) if (!found[i]) idx.push(i);
    if (idx.length === 0) break;
    let m = idx.length;
    let x0 = selectRows(batch.x, per, idx);
    let lo = selectRows(batch.lower, per, idx);
    let hi = selectRows(batch.upper, per, idx);
    let y = Int32Array.from(idx, (i) => batch.y[i]);
    let target = run.target && Int32Array.from(idx, (i) => run.target![i]);
    // One stream per sample and restart, from its original-batch id: batch-invariant draws.
    let cur = run.randomStart || r > 0
      ? randomStart(x0, lo, hi, m, threat.norm, threat.eps, idx.map((i) => sampleRng(ctx.seed, ids[i], r)))
      : Float32Array.from(x0);

    for (let t = 0; t <= run.steps; t++) {
      throwIfCancelled(ctx);
      const g = await eotLossAndGrad(model, cur, m, y,
        { loss: run.lossAt(t), target, straightThrough: run.straightThrough, signal: ctx.signal }, run.eot);
      const pred = argmaxRows(g.logits, m);
      const keep: number[] = [];
      for (let j = 0; j < m; j++) {
        const i = idx[j];
        const row = cur.subarray(j * per, (j + 1) * per);
        if (earlyStop && pred[j] !== y[j]) {
          found[i] = 1;
          broken++;
          best.set(row, i * per);
          continue;
        }
        const s = run.score === 'loss' ? g.loss[j] : margin(g.logits, j, C, y[j]);
        if (s > bestScore[i]) { bestScore[i] = s; best.set(row, i * per); }
        keep.push(j);
      }
      if ((t + 1) % every === 0 || t === run.steps) progress(r * (run.steps + 1) + t + 1);
      if (t === run.steps || keep.length === 0) break;
      let grad = g.grad;
      if (keep.length < m) {
        idx = keep.map((j) => idx[j]);
        [x0, lo, hi, cur, grad] = keepRows(per, keep, x0, lo, hi, cur, grad);
        y = Int32Array.from(keep, (j) => y[j]);
        target = target && Int32Array.from(keep, (j) => target![j]);
        m = keep.length;
      }
      gradientStep(threat.norm, cur, grad, m, run.stepSize * run.scheduleAt(t));
      project(cur, x0, lo, hi, m, threat.norm, threat.eps);
    }
  }
  return { xAdv: best };
}

/** max_{j≠y} z_j − z_y of row i (> 0 iff misclassified). */
function margin(logits: Float32Array, i: number, C: number, y: number): number {
  let other = -Infinity;
  for (let c = 0; c < C; c++) if (c !== y && logits[i * C + c] > other) other = logits[i * C + c];
  return other - logits[i * C + y];
}

export const pgd: AttackDefinition<PgdParams, 'gradients'> = {
  name: 'pgd',
  paper: 'Madry, Makelov, Schmidt, Tsipras, Vladu, "Towards Deep Learning Models Resistant to Adversarial Attacks", ICLR 2018, https://arxiv.org/abs/1706.06083',
  needs: 'gradients',
  params: pgdSchema,
  async search(model, batch, threat, params, ctx) {
    const targeted = params.targeted !== 'none';
    checkLoss('pgd', model, params.loss, targeted);
    throwIfCancelled(ctx);
    const target = await chooseTargets(model, batch, params.targeted, ctx.signal);
    return pgdSearch(model, batch, threat, {
      attack: 'pgd',
      ...commonRun(params, threat.eps),
      lossAt: () => params.loss,
      scheduleAt: params.schedule === 'cosine' ? (t) => cosineFactor(t, params.steps) : () => 1,
      score: 'loss',
      target,
    }, ctx);
  },
};
