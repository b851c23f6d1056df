/**
 * Clean logits must be finite on every sample. A NaN logit loses every comparison, so argmax
 * would silently call the sample class 0 (or whichever class comes first), and every attack
 * figure on it would be meaningless; an infinite logit makes the losses NaN. The audit checks
 * every sample of the evaluation set before attacking, the upload inspection the first ones.
 */
import { ModelError } from '../errors';
import { argmaxRows } from '../attacks/tensor';
import type { AttackModel } from '../attacks/types';

/**
 * Throws ModelError naming the first sample (index `first + row`) and class whose logit is NaN or ±∞.
 * @param logits [n, C] row-major.
 */
export function checkFiniteLogits(logits: Float32Array, n: number, first = 0): void {
  const C = logits.length / n;
  for (let k = 0; k < logits.length; k++) {
    const v = logits[k];
    if (Number.isFinite(v)) continue;
    const what = Number.isNaN(v) ? 'NaN' : v > 0 ? '+Infinity' : '-Infinity';
    throw new ModelError(
      `the model's logits are ${what} for sample ${first + Math.floor(k / C)} (class ${k % C}); Gauntlet audits models with finite logits on every sample`,
      { sample: first + Math.floor(k / C), class: k % C },
    );
  }
}

/**
 * Clean logits of samples [0, n) of x in chunks of `chunk` rows, each chunk checked by checkFiniteLogits;
 * resolves to the argmax class of each sample.
 */
export async function finiteCleanPredictions(model: AttackModel, x: Float32Array, n: number, chunk = 1024, signal?: AbortSignal): Promise<Int32Array> {
  const per = x.length / n;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i += chunk) {
    const m = Math.min(chunk, n - i);
    const z = await model.predict(x.subarray(i * per, (i + m) * per), m, { signal });
    checkFiniteLogits(z, m, i);
    out.set(argmaxRows(z, m), i);
  }
  return out;
}
