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
import { selectBatch, selectRows } from './tensor';
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

/** Per-point outcome a cascade builds, in batch order. */
export interface CascadeState {
  /** 1 where broken (or clean-misclassified). */
  success: Uint8Array;
  /** Index of the stage that first broke the point; −1 when robust or clean-misclassified. */
  brokenBy: Int32Array;
  norms: Float64Array;
  advPred: Int32Array;
  /** The verified adversarial example of each broken point ([n, ...sample]; x itself elsewhere). */
  xAdv: Float32Array;
}

/** What one unit (one stage on one chunk of points) found. */
export interface UnitOutcome {
  /** The points attacked (batch indices, ascending). */
  idx: readonly number[];
  /** Per attacked point, in idx order. */
  success: ArrayLike<number>;
  norms: ArrayLike<number>;
  advPred: ArrayLike<number>;
  /** Rows of the broken points only, in idx order. */
  adv: Float32Array;
  forwardCalls: number;
  gradientCalls: number;
  seconds: number;
  /** The attack's name as it reported it (absent when nothing was attacked or the outcome was replayed). */
  attack?: string;
}

/** Where a unit sits, given to the per-unit hook. */
export interface CascadeUnit {
  stage: number;
  chunk: number;
  chunks: number;
  /** The points the unit attacks: clean-correct, not yet broken, and allowed by `only`. */
  todo: number[];
  /** Robust points of the whole batch before the unit. */
  robust: number;
}

/** How the cascade is cut into units, and the hook that runs each (e.g. replaying a checkpoint). */
export interface CascadeUnits {
  /** Points per unit (default: the whole batch, one unit per stage). */
  chunk?: number;
  /** Only the chunks for which this is true run; the others are left as they are. */
  chunks?: (c: number) => boolean;
  /** Only these points are attacked (default: every clean-correct point). */
  only?: Uint8Array;
  /** Index of the first stage in brokenBy (default 0). */
  stageOffset?: number;
  /** Runs one unit: `run` attacks its points (no model call when there are none); a hook may return a saved outcome instead. */
  unit?: (u: CascadeUnit, run: () => Promise<UnitOutcome>) => Promise<UnitOutcome>;
  /** Called before each stage (e.g. to stop when cancelled). */
  beforeStage?: (stage: number) => void;
}

/** Tallies of one stage over its units. */
export interface StageTally {
  attacked: number;
  broken: number;
  /** Robust points of the whole batch after the stage. */
  robust: number;
  forwardCalls: number;
  gradientCalls: number;
  seconds: number;
  /** The attack's name as the last unit that attacked reported it. */
  attack?: string;
}

/**
 * The cascade itself: stage k attacks, unit by unit, the clean-correct points no earlier stage broke,
 * through runAttack, and merges the verified successes into `state` (in place). runCascade and the
 * audit's checkpointed cascade (src/audit/staged-cascade.ts) are this loop with their own units.
 */
export async function cascadeStages(
  model: AttackModel, batch: AttackBatch, threat: ThreatModel, stages: readonly { attack: AttackDefinition<any>; params: unknown }[],
  ctx: AttackContext, state: CascadeState, cleanCorrect: Uint8Array, u: CascadeUnits = {},
): Promise<StageTally[]> {
  const { n } = batch;
  const per = batch.x.length / n;
  const chunk = u.chunk ?? Math.max(1, n);
  const chunks = Math.max(1, Math.ceil(n / chunk));
  const offset = u.stageOffset ?? 0;
  const eligible = (i: number) => cleanCorrect[i] === 1 && state.success[i] === 0 && (!u.only || u.only[i] === 1);
  let robust = 0;
  for (let i = 0; i < n; i++) if (cleanCorrect[i] && !state.success[i]) robust++;
  const tallies: StageTally[] = [];
  for (let k = 0; k < stages.length; k++) {
    u.beforeStage?.(k);
    const { attack, params } = stages[k];
    const tally: StageTally = { attacked: 0, broken: 0, robust, forwardCalls: 0, gradientCalls: 0, seconds: 0 };
    for (let c = 0; c < chunks; c++) {
      if (u.chunks && !u.chunks(c)) continue;
      const todo: number[] = [];
      for (let i = c * chunk; i < Math.min(n, (c + 1) * chunk); i++) if (eligible(i)) todo.push(i);
      const run = () => attackUnit(model, batch, threat, attack, params, ctx, todo, robust);
      const r = await (u.unit ? u.unit({ stage: k, chunk: c, chunks, todo, robust }, run) : run());
      tally.attacked += r.idx.length;
      tally.forwardCalls += r.forwardCalls;
      tally.gradientCalls += r.gradientCalls;
      tally.seconds += r.seconds;
      if (r.attack !== undefined) tally.attack = r.attack;
      let row = 0;
      r.idx.forEach((i, j) => {
        if (!r.success[j]) return;
        const a = row++;
        if (state.success[i]) return;
        state.success[i] = 1;
        state.xAdv.set(r.adv.subarray(a * per, (a + 1) * per), i * per);
        state.brokenBy[i] = offset + k;
        state.norms[i] = r.norms[j];
        state.advPred[i] = r.advPred[j];
        tally.broken++;
        robust--;
      });
    }
    tally.robust = robust;
    tallies.push(tally);
  }
  return tallies;
}

/** Attacks the points `todo` (none: no model call); progress is mapped onto the whole batch. */
async function attackUnit(
  model: AttackModel, batch: AttackBatch, threat: ThreatModel, attack: AttackDefinition<any>, params: unknown, ctx: AttackContext,
  todo: number[], robustBefore: number,
): Promise<UnitOutcome> {
  if (todo.length === 0) return { idx: [], success: [], norms: [], advPred: [], adv: new Float32Array(0), forwardCalls: 0, gradientCalls: 0, seconds: 0 };
  const { n } = batch;
  // A unit's progress keeps its own done/total; robust accuracy is mapped onto the whole batch
  // (every point of the sub-batch is clean-correct, so robust there = robust + p·|todo| − |todo|).
  const unitCtx: AttackContext = ctx.onProgress ? {
    ...ctx, onProgress: (p) => ctx.onProgress!({ ...p, robustAccuracy: (robustBefore - todo.length * (1 - p.robustAccuracy)) / n }),
  } : ctx;
  const r = await runAttack(attack, model, selectBatch(batch, todo), threat, params, unitCtx);
  const rows = [...todo.keys()].filter((j) => r.success[j]);
  return {
    idx: todo, success: r.success, norms: r.norms, advPred: r.advPred, adv: selectRows(r.xAdv, batch.x.length / n, rows),
    forwardCalls: r.forwardCalls, gradientCalls: r.gradientCalls, seconds: r.seconds, attack: r.attack,
  };
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
  if (ctx.signal?.aborted) throw new CancelledError();

  const clean = await predictClasses(model, batch.x, n, ctx.successDraws ?? DEFAULT_SUCCESS_DRAWS, ctx.signal);
  const cleanCorrect = Uint8Array.from(clean, (c, i) => (c === batch.y[i] ? 1 : 0));
  const state: CascadeState = {
    success: Uint8Array.from(cleanCorrect, (c) => 1 - c), brokenBy: new Int32Array(n).fill(-1),
    norms: new Float64Array(n), advPred: Int32Array.from(clean), xAdv: Float32Array.from(batch.x),
  };
  const tallies = await cascadeStages(model, batch, threat, steps.map((s, k) => ({ attack: s.attack, params: parsed[k] })), ctx, state, cleanCorrect, {
    beforeStage: () => { if (ctx.signal?.aborted) throw new CancelledError(); },
  });
  const stages: CascadeStage[] = tallies.map((t, k) => ({
    attack: t.attack ?? steps[k].attack.name, params: parsed[k], attacked: t.attacked, broken: t.broken, robustAccuracy: t.robust / n,
    forwardCalls: t.forwardCalls, gradientCalls: t.gradientCalls, seconds: t.seconds,
  }));

  const after = model.counters();
  return {
    attack: stages.map((s) => s.attack).join(' → ') || '(none)',
    n, cleanCorrect, success: state.success, xAdv: state.xAdv, norms: state.norms, advPred: state.advPred, brokenBy: state.brokenBy, stages,
    forwardCalls: after.forward - before.forward,
    gradientCalls: after.gradient - before.gradient,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}
