/**
 * Alternating-loss PGD.
 * Antoniou, Georgiou, Potamianos, "Alternating Objectives Generates Stronger PGD-Based
 * Adversarial Attacks", 2022. https://arxiv.org/abs/2212.07992
 *
 * PGD (pgd.ts) whose surrogate loss changes during the run: the T iterations are split into
 * L consecutive stages, one per loss of the sequence `losses` (default CE → CW → DLR, the
 * paper's three-loss variant, "Alt-CECWDLR" in its code), stage s covering iterations
 * ⌊sT/L⌋ ≤ t < ⌊(s+1)T/L⌋ — the paper's schedule (its code switches at t = 33, 66 for T = 100,
 * and at t = 50 for two losses). No single loss is best on every model; each stage continues
 * from where the previous loss's ascent got stuck.
 *
 * Because the losses have different scales, iterates that are not misclassified (and all
 * iterates on randomized models) are ranked by the logit margin max_{j≠y} z_j − z_y rather
 * than by the loss value. Schedules: 'constant', 'cosine' over the whole run, or
 * 'stage-cosine', a cosine decay restarted at every loss switch (the "MD-Attack" schedule of
 * the paper's code, which decays from 2ε: stepSize = 2ε reproduces it). Losses the model
 * cannot support (DLR needs ≥ 3 classes, ≥ 4 when targeted) are dropped from the sequence.
 * Everything else (defaults included: α = 2.5·ε/T, random start) is as PGD.
 */
import { z } from 'zod';
import { UsageError } from '../errors';
import { LossKind } from '../autodiff/loss';
import { AttackDefinition } from './types';
import { chooseTargets, classesNeeded, throwIfCancelled } from './fgsm';
import { commonRun, cosineFactor, pgdCommonParams, pgdSearch } from './pgd';

export const ALT_SCHEDULES = ['constant', 'cosine', 'stage-cosine'] as const;

const altPgdSchema = z.strictObject({
  ...pgdCommonParams,
  losses: z.array(z.enum(['ce', 'cw', 'dlr'])).min(1).max(16).default(['ce', 'cw', 'dlr'])
    .describe('losses in the order they are ascended, each for an equal block of ⌊T/L⌋ or so iterations (default CE → CW → DLR)'),
  schedule: z.enum(ALT_SCHEDULES).default('constant')
    .describe("step-size schedule: 'constant', 'cosine' over the run, or 'stage-cosine' restarted at every loss switch"),
});

export type AltPgdParams = z.infer<typeof altPgdSchema>;

/** First iteration of stage s of L over T iterations: ⌊sT/L⌋. */
export function stageStart(s: number, T: number, L: number): number {
  return Math.floor((s * T) / L);
}

/** Stage (index into the loss sequence) of iteration t; t ≥ T falls in the last stage. */
export function stageOf(t: number, T: number, L: number): number {
  let s = 0;
  while (s + 1 < L && t >= stageStart(s + 1, T, L)) s++;
  return s;
}

export const altPgd: AttackDefinition<AltPgdParams, 'gradients'> = {
  name: 'alt-pgd',
  paper: 'Antoniou, Georgiou, Potamianos, "Alternating Objectives Generates Stronger PGD-Based Adversarial Attacks", 2022, https://arxiv.org/abs/2212.07992',
  needs: 'gradients',
  params: altPgdSchema,
  async search(model, batch, threat, params, ctx) {
    const targeted = params.targeted !== 'none';
    const losses: LossKind[] = params.losses.filter((l) => model.info.numClasses >= classesNeeded(l, targeted));
    if (losses.length === 0) {
      throw new UsageError(`alt-pgd: none of the losses ${params.losses.join(', ')} works with ${model.info.numClasses} classes; add 'ce' or 'cw'`);
    }
    throwIfCancelled(ctx);
    const target = await chooseTargets(model, batch, params.targeted, ctx.signal);
    const T = params.steps, L = losses.length;
    const stageCosine = (t: number) => {
      const s = stageOf(t, T, L);
      const a = stageStart(s, T, L), b = stageStart(s + 1, T, L);
      return cosineFactor(t - a, Math.max(1, b - a));
    };
    return pgdSearch(model, batch, threat, {
      attack: 'alt-pgd',
      ...commonRun(params, threat.eps),
      lossAt: (t) => losses[stageOf(t, T, L)],
      scheduleAt: params.schedule === 'cosine' ? (t) => cosineFactor(t, T) : params.schedule === 'stage-cosine' ? stageCosine : () => 1,
      score: 'margin',
      target,
    }, ctx);
  },
};
