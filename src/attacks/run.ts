/**
 * runAttack: the one place that declares success. It validates parameters, attacks only the
 * points the model classifies correctly, projects every candidate onto the threat set, and
 * confirms it with a fresh predict of the original model (a majority of fresh draws for
 * models with random ops), checking ‖δ‖ ≤ ε and the box in float64.
 */
import { CancelledError, InternalError, UsageError } from '../errors';
import { AttackBatch, AttackContext, AttackDefinition, AttackResult, hasGradients, LogitsModel, ModelFor, Needs, ThreatModel } from './types';
import { project, rowNorms } from './project';
import { argmaxRows, scatterRows, selectBatch } from './tensor';
import { describeIssues } from '../util/zod';

/** Default draws for the majority vote on randomized models. */
export const DEFAULT_SUCCESS_DRAWS = 9;

/** Parses attack parameters with the attack's schema; errors name the attack and the field. */
export function parseParams<P>(def: AttackDefinition<P>, params: unknown): P {
  const r = def.params.safeParse(params ?? {});
  if (!r.success) {
    const issues = describeIssues(r.error, '(params)');
    throw new UsageError(`invalid parameters for ${def.name}: ${issues}`);
  }
  return r.data;
}

/** Checks the threat model and batch shapes before any work. */
export function checkThreat(batch: AttackBatch, threat: ThreatModel): void {
  if (!(threat.eps >= 0) || !Number.isFinite(threat.eps)) throw new UsageError(`eps must be a finite number ≥ 0, got ${threat.eps}`);
  if (threat.norm !== 'linf' && threat.norm !== 'l2') throw new UsageError(`norm must be linf or l2, got ${String(threat.norm)}`);
  if (batch.x.length % batch.n !== 0 || batch.y.length !== batch.n || batch.lower.length !== batch.x.length || batch.upper.length !== batch.x.length) {
    throw new UsageError('attack batch arrays do not agree in size');
  }
  if (batch.ids && batch.ids.length !== batch.n) throw new UsageError(`attack batch has ${batch.ids.length} ids for ${batch.n} samples`);
}

/**
 * Predicted class per sample; for randomized models the class each sample is assigned in a
 * majority of `draws` fresh forward passes (ties: −1, i.e. no class holds a majority).
 */
export async function predictClasses(model: LogitsModel, x: Float32Array, n: number, draws: number, signal?: AbortSignal): Promise<Int32Array> {
  if (model.info.random.length === 0) return argmaxRows(await model.predict(x, n, { signal }), n);
  const C = model.info.numClasses;
  const votes = new Int32Array(n * C);
  for (let d = 0; d < draws; d++) {
    const p = argmaxRows(await model.predict(x, n, { signal }), n);
    for (let i = 0; i < n; i++) votes[i * C + p[i]]++;
  }
  const out = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) if (votes[i * C + c] * 2 > draws) out[i] = c;
  }
  return out;
}

/**
 * Runs one attack and verifies its candidates.
 * @throws UsageError when the attack needs gradients and the model answers logits only.
 */
export async function runAttack<P, N extends Needs>(
  def: AttackDefinition<P, N>, model: LogitsModel, batch: AttackBatch, threat: ThreatModel, params: unknown, ctx: AttackContext,
): Promise<AttackResult> {
  const p = parseParams(def, params);
  checkThreat(batch, threat);
  if (def.needs === 'gradients' && !hasGradients(model)) {
    throw new UsageError(`${def.name} needs gradients, but this model only provides logits`);
  }
  const started = process.hrtime.bigint();
  const before = model.counters();
  const { n } = batch;
  const per = batch.x.length / n;
  const draws = ctx.successDraws ?? DEFAULT_SUCCESS_DRAWS;
  if (ctx.signal?.aborted) throw new CancelledError();

  const clean = await predictClasses(model, batch.x, n, draws, ctx.signal);
  const cleanCorrect = Uint8Array.from(clean, (c, i) => (c === batch.y[i] ? 1 : 0));
  const todo = [...cleanCorrect.keys()].filter((i) => cleanCorrect[i]);
  const xAdv = Float32Array.from(batch.x);
  const success = Uint8Array.from(cleanCorrect, (c) => 1 - c);
  const advPred = Int32Array.from(clean);

  if (todo.length > 0) {
    const sub = selectBatch(batch, todo);
    // The capability was checked above: a 'gradients' attack reaches here only with a GradientModel.
    const cand = await def.search(model as ModelFor<N>, sub, threat, p, ctx);
    if (cand.xAdv.length !== sub.x.length) throw new InternalError(`${def.name} returned ${cand.xAdv.length} values for ${sub.x.length}`);
    const projected = project(Float32Array.from(cand.xAdv), sub.x, sub.lower, sub.upper, sub.n, threat.norm, threat.eps);
    const pred = await predictClasses(model, projected, sub.n, draws, ctx.signal);
    const norms = rowNorms(projected, sub.x, sub.n, threat.norm);
    const ok = Uint8Array.from(pred, (c, j) => (c !== sub.y[j] && norms[j] <= threat.eps && inBox(projected, sub.lower, sub.upper, j, per) ? 1 : 0));
    scatterRows(xAdv, per, todo, projected, ok);
    todo.forEach((i, j) => { if (ok[j]) { success[i] = 1; advPred[i] = pred[j]; } });
  }
  const norms = rowNorms(xAdv, batch.x, n, threat.norm);
  const after = model.counters();
  return {
    attack: def.name, n, cleanCorrect, success, xAdv, norms, advPred,
    forwardCalls: after.forward - before.forward,
    gradientCalls: after.gradient - before.gradient,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

function inBox(x: Float32Array, lower: Float32Array, upper: Float32Array, row: number, per: number): boolean {
  for (let k = row * per; k < (row + 1) * per; k++) if (!(x[k] >= lower[k] && x[k] <= upper[k])) return false;
  return true;
}

/** Robust accuracy of a result: clean-correct and not broken. */
export function robustAccuracy(r: Pick<AttackResult, 'success' | 'cleanCorrect' | 'n'>): number {
  let k = 0;
  for (let i = 0; i < r.n; i++) if (r.cleanCorrect[i] && !r.success[i]) k++;
  return k / r.n;
}

