/**
 * Distribution of minimal adversarial perturbation norms, from FAB-T (Croce & Hein, "Minimally
 * distorted Adversarial Examples with a Fast Adaptive Boundary Attack", ICML 2020,
 * arXiv:1907.02044), not bounded by ε. Every example FAB returns is re-verified here with a fresh
 * forward pass (a majority of draws on random models), inside the input box, and its norm is
 * recomputed in float64; an unverified example counts as "none found" (norm ∞).
 *
 * With `straightThrough` (models with piecewise-constant ops), FAB runs on the straight-through
 * model (BPDA gradients); the forward pass, and so the verification, is the true model's.
 */
import { fabMinimalNorms } from '../attacks/fab';
import { predictClasses, DEFAULT_SUCCESS_DRAWS } from '../attacks/run';
import { rowNorms } from '../attacks/project';
import { straightThroughModel } from '../attacks/transfer';
import type { AttackBatch, AttackContext, AttackModel, Norm } from '../attacks/types';

/**
 * Verified minimal norms of the batch's points (∞ where none was found or verification failed;
 * 0 where x itself is misclassified).
 */
export async function verifiedMinimalNorms(
  model: AttackModel, batch: AttackBatch, norm: Norm, params: Record<string, unknown>, straightThrough: boolean, ctx: AttackContext,
): Promise<Float64Array> {
  const { n } = batch;
  if (n === 0) return new Float64Array(0);
  const r = await fabMinimalNorms(straightThrough ? straightThroughModel(model) : model, batch, norm, params, ctx);
  const pred = await predictClasses(model, r.xAdv, n, ctx.successDraws ?? DEFAULT_SUCCESS_DRAWS, ctx.signal);
  const norms = rowNorms(r.xAdv, batch.x, n, norm);
  const per = batch.x.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let inBox = true;
    for (let k = i * per; k < (i + 1) * per && inBox; k++) inBox = r.xAdv[k] >= batch.lower[k] && r.xAdv[k] <= batch.upper[k];
    out[i] = Number.isFinite(r.norms[i]) && inBox && pred[i] !== batch.y[i] ? norms[i] : Infinity;
  }
  return out;
}

/** Quantile (linear interpolation) of the finite values of a sorted list with ∞ entries at the end; null when it falls on ∞. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  if (!Number.isFinite(sorted[hi])) return null;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
