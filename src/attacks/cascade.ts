/**
 * Cascade: a list of attacks run one after another, each only on the points still robust
 * (STYLE.md §10; AutoAttack's standard battery, Croce & Hein 2020, arXiv:2003.01690, runs
 * APGD-CE → APGD-T → FAB-T → Square this way).
 *
 * The clean prediction is made once; stage k attacks the clean-correct points no earlier
 * stage broke, through runAttack (so every success is verified on the target). The merged
 * result holds, per point, the first attack that broke it and its verified example, so the
 * cascade's robust accuracy is the per-point minimum over its attacks. Sub-batches carry the
 * points' original indices (AttackBatch.ids), from which attacks seed their per-sample random
 * streams: on a deterministic model a stage does to a point exactly what its attack does to it
 * run alone on the whole batch, so a point robust in the cascade is robust under every attack
 * alone (never weaker; test/never-weaker.test.ts). The battery is data:
 * the caller passes the list; nothing here branches on attack names.
 */
import { CancelledError } from '../errors';
import { DEFAULT_SUCCESS_DRAWS, checkThreat, parseParams, predictClasses, runAttack } from './run';
import { scatterRows, selectBatch } from './tensor';
import { AttackBatch, AttackContext, AttackDefinition, AttackModel, AttackResult, ThreatModel } from './types';

/** One stage of a cascade: an attack and its (unparsed) parameters. */
export interface CascadeStep {
  attack: AttackDefinition<any>;
  params?: unknown;
}

/** What one stage did. */
export interface CascadeStage {
  attack: string;
  /** Parameters after validation (defaults filled in). */
  params: unknown;
  /** Points this stage attacked (still robust before it). */
  attacked: number;
  /** Points it broke (verified). */
  broken: number;
  /** Robust accuracy of the whole batch after this stage. */
  robustAccuracy: number;
  forwardCalls: number;
  gradientCalls: number;
  seconds: number;
}

/** Merged outcome of a cascade. `attack` is the stage names joined with ' → '. */
export interface CascadeResult extends AttackResult {
  /** Per point: index of the stage that first broke it; −1 when robust or clean-misclassified. */
  brokenBy: Int32Array;
  stages: CascadeStage[];
}

/**
 * Runs `steps` in order on the points still robust and merges the results. All parameters
 * are validated before any model call (UsageError naming the attack).
 */
export async function runCascade(
  model: AttackModel, batch: AttackBatch, threat: ThreatModel, steps: readonly CascadeStep[], ctx: AttackContext,
): Promise<CascadeResult> {
  const parsed = steps.map((s) => parseParams(s.attack, s.params));
  checkThreat(batch, threat);
  const started = process.hrtime.bigint();
  const before = model.counters();
  const { n } = batch;
  const per = batch.x.length / n;
  if (ctx.signal?.aborted) throw new CancelledError();

  const clean = await predictClasses(model, batch.x, n, ctx.successDraws ?? DEFAULT_SUCCESS_DRAWS, ctx.signal);
  const cleanCorrect = Uint8Array.from(clean, (c, i) => (c === batch.y[i] ? 1 : 0));
  const success = Uint8Array.from(cleanCorrect, (c) => 1 - c);
  const xAdv = Float32Array.from(batch.x);
  const norms = new Float64Array(n);
  const advPred = Int32Array.from(clean);
  const brokenBy = new Int32Array(n).fill(-1);
  const stages: CascadeStage[] = [];
  let robust = cleanCorrect.reduce((s, v) => s + v, 0);

  for (let k = 0; k < steps.length; k++) {
    if (ctx.signal?.aborted) throw new CancelledError();
    const todo: number[] = [];
    for (let i = 0; i < n; i++) if (cleanCorrect[i] && !success[i]) todo.push(i);
    const { attack } = steps[k];
    if (todo.length === 0) {
      stages.push({ attack: attack.name, params: parsed[k], attacked: 0, broken: 0, robustAccuracy: robust / n, forwardCalls: 0, gradientCalls: 0, seconds: 0 });
      continue;
    }
    const sub = selectBatch(batch, todo);
    // A stage's progress keeps its own done/total; robust accuracy is mapped onto the whole batch
    // (every point of the sub-batch is clean-correct, so robust there = robust + p·|todo| − |todo|).
    const robustBefore = robust;
    const stageCtx: AttackContext = {
      ...ctx,
      onProgress: ctx.onProgress && ((p) => ctx.onProgress!({
        ...p, robustAccuracy: (robustBefore - todo.length * (1 - p.robustAccuracy)) / n,
      })),
    };
    const r = await runAttack(attack, model, sub, threat, parsed[k], stageCtx);
    let broken = 0;
    todo.forEach((i, j) => {
      if (!r.success[j]) return;
      success[i] = 1;
      brokenBy[i] = k;
      norms[i] = r.norms[j];
      advPred[i] = r.advPred[j];
      broken++;
    });
    scatterRows(xAdv, per, todo, r.xAdv, r.success);
    robust -= broken;
    stages.push({
      attack: r.attack, params: parsed[k], attacked: todo.length, broken, robustAccuracy: robust / n,
      forwardCalls: r.forwardCalls, gradientCalls: r.gradientCalls, seconds: r.seconds,
    });
  }

  const after = model.counters();
  return {
    attack: stages.map((s) => s.attack).join(' → ') || '(none)',
    n, cleanCorrect, success, xAdv, norms, advPred, brokenBy, stages,
    forwardCalls: after.forward - before.forward,
    gradientCalls: after.gradient - before.gradient,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}
