/**
 * The battery's cascade, run stage by stage over chunks of points, with every (stage, chunk)
 * a checkpointed unit: runCascade's own loop (cascadeStages, src/attacks/cascade.ts) with a per-unit
 * hook that saves and replays units. Each stage attacks only the clean-correct points no earlier stage broke, through runAttack (the only place that
 * declares success: fresh forward pass, ε-ball and box checked in float64), and sub-batches carry
 * the points' original ids so every attack draws the same per-sample random numbers as it would on
 * the whole set. The robust accuracy is therefore the per-point minimum over the stages.
 */
import { AnyAttack, getAttack, parseParams } from '../attacks';
import { CascadeUnit, UnitOutcome, cascadeStages } from '../attacks/cascade';
import { transferAttack } from '../attacks/transfer';
import type { AttackBatch, AttackContext, AttackModel, ThreatModel } from '../attacks/types';
import { UsageError } from '../errors';
import type { ReportStage } from '../schema/report';
import type { BatteryStep } from './battery';
import { canonicalJson } from './checkpoint';
import type { Checkpoint } from './checkpoint';
import { clopperPearson } from '../util/clopper-pearson';

/** Per-point outcome of a cascade, in evaluation-set order. */
export interface PointState {
  /** 1 where broken (or clean-misclassified). */
  success: Uint8Array;
  /** Stage index (into the stage list) that broke the point; −1 when robust or clean-misclassified. */
  brokenBy: Int32Array;
  norms: Float64Array;
  advPred: Int32Array;
  /** The verified adversarial example of each broken point ([n, ...sample]; x itself elsewhere). */
  xAdv: Float32Array;
}

/** What one (stage, chunk) unit saves. */
interface ChunkResult {
  idx: number[];
  success: number[];
  norms: number[];
  advPred: number[];
  /** Float32 rows of xAdv for the points with success = 1, in idx order, base64 (bit-exact through JSON). */
  adv: string;
  forwardCalls: number;
  gradientCalls: number;
  seconds: number;
  /** canonicalJson of the attack, parameters and threat the unit ran (absent in older checkpoints). */
  step?: string;
}

/** Progress of a staged cascade: which stage and chunk is running. */
export interface StageProgress {
  stage: number;
  stages: number;
  attack: string;
  chunk: number;
  chunks: number;
  /** Robust accuracy of the whole set so far. */
  robustAccuracy: number;
}

export interface StagedCascadeOptions {
  model: AttackModel;
  batch: AttackBatch;
  threat: ThreatModel;
  steps: readonly BatteryStep[];
  /** 1 where the clean prediction is correct. */
  cleanCorrect: Uint8Array;
  cleanPred: Int32Array;
  checkpoint: Checkpoint;
  /** Unit-id prefix (e.g. 'battery', 'sweep@0.05'). */
  unit: string;
  /** Points per chunk (default 100). */
  chunk?: number;
  /** Only these points are attacked (default: every clean-correct point). */
  only?: Uint8Array;
  ctx: AttackContext;
  onStage?: (p: StageProgress) => void;
  /** Starting state to continue from (e.g. the battery's, for the convergence stage). */
  from?: PointState;
  /** Index of the first step in the overall stage list (for brokenBy). */
  stageOffset?: number;
  /** Surrogate models steps may name (BatteryStep.surrogate). */
  surrogates?: { smooth?: AttackModel };
  /** Only the chunks for which this is true run (sharded audits); the others' units are neither run nor replayed. */
  chunks?: (c: number) => boolean;
}

/** The attack a step runs and its parameters (a transfer from a named surrogate becomes a transfer definition). */
export function resolveStep(step: BatteryStep, surrogates: StagedCascadeOptions['surrogates'] = {}): { def: AnyAttack; params: unknown; reported: unknown; label: string } {
  if (step.surrogate) {
    const model = surrogates[step.surrogate];
    if (!model) throw new UsageError(`battery step ${step.attack} names the ${step.surrogate} surrogate, but none is loaded: give the surrogate model`);
    const p = parseParams(getAttack('transfer'), step.params) as { attack: string; params: Record<string, unknown> };
    const def = transferAttack(model, getAttack(p.attack), p.params);
    return { def, params: {}, reported: { attack: p.attack, params: def.innerParams, surrogate: step.surrogate }, label: `transfer(${p.attack}, ${step.surrogate} surrogate)` };
  }
  const def = getAttack(step.attack);
  const params = parseParams(def, step.params);
  const label = step.attack === 'transfer' ? `transfer(${(params as { attack: string }).attack}, straight-through)` : step.attack;
  return { def, params, reported: params, label };
}

/**
 * Runs the cascade (runCascade's loop, src/attacks/cascade.ts) with every (stage, chunk) a
 * checkpointed unit; returns the per-point state and one record per stage.
 */
export async function runStagedCascade(o: StagedCascadeOptions): Promise<{ state: PointState; stages: ReportStage[] }> {
  const { model, batch, threat, cleanCorrect } = o;
  const n = batch.n;
  const state: PointState = o.from ? {
    success: Uint8Array.from(o.from.success), brokenBy: Int32Array.from(o.from.brokenBy),
    norms: Float64Array.from(o.from.norms), advPred: Int32Array.from(o.from.advPred), xAdv: Float32Array.from(o.from.xAdv),
  } : {
    success: Uint8Array.from(cleanCorrect, (c) => 1 - c), brokenBy: new Int32Array(n).fill(-1),
    norms: new Float64Array(n), advPred: Int32Array.from(o.cleanPred), xAdv: Float32Array.from(batch.x),
  };
  const offset = o.stageOffset ?? 0;
  const resolved = o.steps.map((step) => ({ step, ...resolveStep(step, o.surrogates) }));
  const fingerprints = resolved.map((r) => canonicalJson({ attack: r.label, params: r.reported, threat }));

  // One checkpointed unit per (stage, chunk): a saved outcome is replayed, bit-exact, without a model call.
  const unit = async (u: CascadeUnit, run: () => Promise<UnitOutcome>): Promise<UnitOutcome> => {
    const step = o.steps[u.stage];
    const fingerprint = fingerprints[u.stage];
    o.onStage?.({ stage: u.stage, stages: o.steps.length, attack: step.attack, chunk: u.chunk, chunks: u.chunks, robustAccuracy: u.robust / n });
    // A saved unit that attacked other points or ran another step is stale (e.g. a shard of a
    // random model drew other clean predictions, or another probe led to other adaptations).
    const valid = (saved: ChunkResult) => sameList(saved.idx, u.todo) && (saved.step === undefined || saved.step === fingerprint);
    const r = await o.checkpoint.unit<ChunkResult>(`${o.unit}/${offset + u.stage}:${step.attack}/${u.chunk}`, async () => {
      const res = await run();
      return {
        idx: u.todo, success: Array.from(res.success), norms: Array.from(res.norms), advPred: Array.from(res.advPred),
        adv: Buffer.from(res.adv.buffer, res.adv.byteOffset, res.adv.byteLength).toString('base64'),
        forwardCalls: res.forwardCalls, gradientCalls: res.gradientCalls, seconds: res.seconds, step: fingerprint,
      };
    }, valid);
    return { ...r, adv: new Float32Array(new Uint8Array(Buffer.from(r.adv, 'base64')).buffer) };
  };
  const tallies = await cascadeStages(model, batch, threat, resolved.map((r) => ({ attack: r.def, params: r.params })), o.ctx, state, cleanCorrect, {
    chunk: o.chunk ?? 100, chunks: o.chunks, only: o.only, stageOffset: offset, unit,
  });
  const stages = tallies.map((t, k): ReportStage => ({
    attack: resolved[k].label, params: resolved[k].reported, origin: resolved[k].step.origin, attacked: t.attacked, broken: t.broken,
    robustAccuracyAfter: t.robust / n, robustAccuracyAfterInterval: clopperPearson(t.robust, n),
    forwardCalls: t.forwardCalls, gradientCalls: t.gradientCalls, seconds: t.seconds,
  }));
  return { state, stages };
}

function sameList(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return !!a && a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Robust points of a state: 1 where clean-correct and not broken. */
export function robustMask(state: PointState, cleanCorrect: Uint8Array): Uint8Array {
  return Uint8Array.from(cleanCorrect, (c, i) => (c && !state.success[i] ? 1 : 0));
}
