/**
 * The battery's cascade, run stage by stage over chunks of points, with every (stage, chunk)
 * a checkpointed unit. Same semantics as runCascade (src/attacks/cascade.ts): each stage attacks
 * only the clean-correct points no earlier stage broke, through runAttack (the only place that
 * declares success: fresh forward pass, ε-ball and box checked in float64), and sub-batches carry
 * the points' original ids so every attack draws the same per-sample random numbers as it would on
 * the whole set. The robust accuracy is therefore the per-point minimum over the stages.
 */
import { AnyAttack, getAttack, parseParams, runAttack } from '../attacks';
import { transferAttack } from '../attacks/transfer';
import { selectBatch, selectRows } from '../attacks/tensor';
import type { AttackBatch, AttackContext, AttackModel, ThreatModel } from '../attacks/types';
import type { ReportStage } from '../report/schema';
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
    if (!model) throw new Error(`battery step ${step.attack} names the ${step.surrogate} surrogate, but none is loaded`);
    const p = parseParams(getAttack('transfer'), step.params) as { attack: string; params: Record<string, unknown> };
    const def = transferAttack(model, getAttack(p.attack), p.params);
    return { def, params: {}, reported: { attack: p.attack, params: def.innerParams, surrogate: step.surrogate }, label: `transfer(${p.attack}, ${step.surrogate} surrogate)` };
  }
  const def = getAttack(step.attack);
  const params = parseParams(def, step.params);
  const label = step.attack === 'transfer' ? `transfer(${(params as { attack: string }).attack}, straight-through)` : step.attack;
  return { def, params, reported: params, label };
}

/** Runs the cascade; returns the per-point state and one record per stage. */
export async function runStagedCascade(o: StagedCascadeOptions): Promise<{ state: PointState; stages: ReportStage[] }> {
  const { model, batch, threat, cleanCorrect } = o;
  const n = batch.n;
  const chunk = o.chunk ?? 100;
  const per = batch.x.length / n;
  const state: PointState = o.from ? {
    success: Uint8Array.from(o.from.success), brokenBy: Int32Array.from(o.from.brokenBy),
    norms: Float64Array.from(o.from.norms), advPred: Int32Array.from(o.from.advPred), xAdv: Float32Array.from(o.from.xAdv),
  } : {
    success: Uint8Array.from(cleanCorrect, (c) => 1 - c), brokenBy: new Int32Array(n).fill(-1),
    norms: new Float64Array(n), advPred: Int32Array.from(o.cleanPred), xAdv: Float32Array.from(batch.x),
  };
  const eligible = (i: number) => cleanCorrect[i] === 1 && state.success[i] === 0 && (!o.only || o.only[i] === 1);
  const chunks = Math.max(1, Math.ceil(n / chunk));
  const stages: ReportStage[] = [];
  const offset = o.stageOffset ?? 0;
  let robust = 0;
  for (let i = 0; i < n; i++) if (cleanCorrect[i] && !state.success[i]) robust++;

  for (let k = 0; k < o.steps.length; k++) {
    const step = o.steps[k];
    const { def, params, reported, label } = resolveStep(step, o.surrogates);
    const rec: ReportStage = {
      attack: label, params: reported, origin: step.origin, attacked: 0, broken: 0,
      robustAccuracyAfter: 0, robustAccuracyAfterInterval: clopperPearson(0, n), forwardCalls: 0, gradientCalls: 0, seconds: 0,
    };
    const fingerprint = canonicalJson({ attack: label, params: reported, threat });
    for (let c = 0; c < chunks; c++) {
      if (o.chunks && !o.chunks(c)) continue;
      o.onStage?.({ stage: k, stages: o.steps.length, attack: step.attack, chunk: c, chunks, robustAccuracy: robust / n });
      const id = `${o.unit}/${offset + k}:${step.attack}/${c}`;
      const todo: number[] = [];
      for (let i = c * chunk; i < Math.min(n, (c + 1) * chunk); i++) if (eligible(i)) todo.push(i);
      // A saved unit that attacked other points or ran another step is stale (e.g. a shard of a
      // random model drew other clean predictions, or another probe led to other adaptations).
      const valid = (saved: ChunkResult) => sameList(saved.idx, todo) && (saved.step === undefined || saved.step === fingerprint);
      const r = await o.checkpoint.unit<ChunkResult>(id, async () => {
        if (todo.length === 0) return { idx: [], success: [], norms: [], advPred: [], adv: '', forwardCalls: 0, gradientCalls: 0, seconds: 0, step: fingerprint };
        const res = await runAttack(def, model, selectBatch(batch, todo), threat, params, o.ctx);
        const rows = [...todo.keys()].filter((j) => res.success[j]);
        return {
          idx: todo, success: [...res.success], norms: [...res.norms], advPred: [...res.advPred],
          adv: Buffer.from(selectRows(res.xAdv, per, rows).buffer).toString('base64'),
          forwardCalls: res.forwardCalls, gradientCalls: res.gradientCalls, seconds: res.seconds, step: fingerprint,
        };
      }, valid);
      rec.attacked += r.idx.length;
      rec.forwardCalls += r.forwardCalls;
      rec.gradientCalls += r.gradientCalls;
      rec.seconds += r.seconds;
      const adv = new Float32Array(new Uint8Array(Buffer.from(r.adv, 'base64')).buffer);
      let row = 0;
      r.idx.forEach((i, j) => {
        if (!r.success[j]) return;
        const a = row++;
        if (state.success[i]) return;
        state.success[i] = 1;
        state.xAdv.set(adv.subarray(a * per, (a + 1) * per), i * per);
        state.brokenBy[i] = offset + k;
        state.norms[i] = r.norms[j];
        state.advPred[i] = r.advPred[j];
        rec.broken++;
        robust--;
      });
    }
    rec.robustAccuracyAfter = robust / n;
    rec.robustAccuracyAfterInterval = clopperPearson(robust, n);
    stages.push(rec);
  }
  return { state, stages };
}

function sameList(a: readonly number[] | undefined, b: readonly number[]): boolean {
  return !!a && a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Robust points of a state: 1 where clean-correct and not broken. */
export function robustMask(state: PointState, cleanCorrect: Uint8Array): Uint8Array {
  return Uint8Array.from(cleanCorrect, (c, i) => (c && !state.success[i] ? 1 : 0));
}
