/**
 * The inspection's last check, run in the inspection child (./inspect-process.ts) on the loaded
 * model: can an audit of it complete? Clean logits must be finite on the first samples of the
 * set (the audit checks every sample before attacking; src/audit/finite-logits.ts), and one
 * gradient pass must run. Shapes of the class scores, the output choice and the class count
 * are checked earlier, when the model is prepared (src/onnx/select-output.ts, src/onnx/classifier.ts).
 */
import { checkFiniteLogits } from '../audit/finite-logits';
import type { EvalSet } from '../data';
import { numel } from '../onnx/ir';
import type { Model } from '../model/model';

/** Samples of the uploaded set whose logits the inspection checks: bounded so a large model stays within the inspection timeout (the audit checks every sample before attacking). */
export const INSPECT_LOGIT_SAMPLES = 64;

/**
 * Forward pass on up to INSPECT_LOGIT_SAMPLES samples of `set` (one zero input without a set),
 * refusing non-finite logits with a ModelError naming the sample; then one gradient pass on the first.
 */
export async function checkAuditable(model: Model, set: EvalSet | null): Promise<void> {
  const per = numel(model.info.inputShape);
  const n = set ? Math.min(set.n, INSPECT_LOGIT_SAMPLES) : 1;
  const x = set ? set.x.subarray(0, n * per) : new Float32Array(per);
  checkFiniteLogits(await model.predict(x, n), n);
  await model.lossAndGrad(x.subarray(0, per), 1, Int32Array.of(set ? set.y[0] : 0), { loss: 'ce' });
}
