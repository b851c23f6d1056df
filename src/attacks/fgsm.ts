/**
 * FGSM: the Fast Gradient Sign Method.
 * Goodfellow, Shlens, Szegedy, "Explaining and Harnessing Adversarial Examples", ICLR 2015.
 * https://arxiv.org/abs/1412.6572
 *
 * One step of size ε along the steepest-ascent direction of the loss, then projection onto the
 * ε-ball ∩ box:
 *   L∞  x' = x + ε · sign(∇ₓL(x, y))        L2  x' = x + ε · ∇ₓL / ‖∇ₓL‖₂
 * L is CE (the paper's), CW or DLR; targeted variants ascend the targeted loss towards a target
 * class instead. For a linear model the step is the exact worst case of the loss's
 * linearisation; on a 2-class linear model it breaks the point exactly when ε exceeds the
 * distance to the boundary.
 *
 * This file also holds the loss/target options shared with PGD and alternating-loss PGD.
 */
import { z } from 'zod';
import { CancelledError, UsageError } from '../errors';
import { LossKind } from '../autodiff/loss';
import { AttackBatch, AttackContext, AttackDefinition, AttackModel } from './types';
import { eotLossAndGrad, eotParam } from './eot';
import { gradientStep } from './steps';
import { project } from './project';
import { argmaxRows } from './tensor';

/** How a targeted attack picks its target class per sample. */
export const TARGET_MODES = ['none', 'next', 'least-likely'] as const;
export type TargetMode = (typeof TARGET_MODES)[number];

/** The `loss` parameter: which surrogate the attack ascends. */
export const lossParam = z.enum(['ce', 'cw', 'dlr']).default('ce')
  .describe('loss to maximise: ce (cross-entropy), cw (Carlini–Wagner logit margin) or dlr (difference of logits ratio, needs ≥3 classes, ≥4 when targeted)');

/** The `targeted` parameter. */
export const targetedParam = z.enum(TARGET_MODES).default('none')
  .describe("'none': untargeted; 'next': target (y + 1) mod C; 'least-likely': target the class with the lowest clean logit. Targeted runs ascend the targeted loss; any misclassification still counts as success");

/** The `straightThrough` parameter (BPDA). */
export const straightThroughParam = z.boolean().default(false)
  .describe('BPDA (Athalye et al. 2018): differentiate piecewise-constant ops (rounding, quantisation) as the identity');

/**
 * Target classes for a targeted mode (undefined for 'none'). 'least-likely' costs one predict
 * of the clean batch (one draw on randomized models).
 */
export async function chooseTargets(model: AttackModel, batch: AttackBatch, mode: TargetMode, signal?: AbortSignal): Promise<Int32Array | undefined> {
  const C = model.info.numClasses;
  if (mode === 'none') return undefined;
  if (mode === 'next') return Int32Array.from(batch.y, (y) => (y + 1) % C);
  const logits = await model.predict(batch.x, batch.n, { signal });
  const neg = Float32Array.from(logits, (v) => -v);
  return argmaxRows(neg, batch.n);
}

/** The least number of classes a loss needs (DLR sorts the top 3, or 4 when targeted). */
export function classesNeeded(loss: LossKind, targeted: boolean): number {
  return loss === 'dlr' ? (targeted ? 4 : 3) : 2;
}

/** Fails fast (UsageError) when the model has too few classes for the loss. */
export function checkLoss(attack: string, model: AttackModel, loss: LossKind, targeted: boolean): void {
  const need = classesNeeded(loss, targeted);
  if (model.info.numClasses < need) {
    throw new UsageError(`${attack}: the ${targeted ? 'targeted ' : ''}${loss} loss needs at least ${need} classes; the model has ${model.info.numClasses}. Use loss 'ce' or 'cw'`);
  }
}

/** Throws CancelledError when the signal has fired. */
export function throwIfCancelled(ctx: AttackContext): void {
  if (ctx.signal?.aborted) throw new CancelledError();
}

const fgsmSchema = z.strictObject({
  loss: lossParam,
  targeted: targetedParam,
  straightThrough: straightThroughParam,
  eot: eotParam,
});

export type FgsmParams = z.infer<typeof fgsmSchema>;

export const fgsm: AttackDefinition<FgsmParams, 'gradients'> = {
  name: 'fgsm',
  paper: 'Goodfellow, Shlens, Szegedy, "Explaining and Harnessing Adversarial Examples", ICLR 2015, https://arxiv.org/abs/1412.6572',
  needs: 'gradients',
  params: fgsmSchema,
  async search(model, batch, threat, params, ctx) {
    const { n } = batch;
    checkLoss('fgsm', model, params.loss, params.targeted !== 'none');
    throwIfCancelled(ctx);
    const target = await chooseTargets(model, batch, params.targeted, ctx.signal);
    throwIfCancelled(ctx);
    const g = await eotLossAndGrad(model, batch.x, n, batch.y,
      { loss: params.loss, target, straightThrough: params.straightThrough, signal: ctx.signal }, params.eot);
    const xAdv = gradientStep(threat.norm, Float32Array.from(batch.x), g.grad, n, threat.eps);
    project(xAdv, batch.x, batch.lower, batch.upper, n, threat.norm, threat.eps);
    if (ctx.onProgress) {
      // Progress only: one forward pass to report how many points the step broke (runAttack verifies).
      const pred = argmaxRows(await model.predict(xAdv, n, { signal: ctx.signal }), n);
      let robust = 0;
      for (let i = 0; i < n; i++) if (pred[i] === batch.y[i]) robust++;
      ctx.onProgress({ attack: 'fgsm', done: n, total: n, robustAccuracy: n > 0 ? robust / n : 1 });
    }
    return { xAdv };
  },
};
