/**
 * Transfer attack: craft on a surrogate, verify on the target.
 *
 * Paper: N. Papernot, P. McDaniel, I. Goodfellow, "Transferability in Machine Learning: from
 * Phenomena to Black-Box Attacks using Adversarial Samples", 2016, arXiv:1605.07277 (and
 * Papernot et al., "Practical Black-Box Attacks against Machine Learning", arXiv:1602.02697).
 * BPDA surrogate: A. Athalye, N. Carlini, D. Wagner, "Obfuscated Gradients Give a False Sense
 * of Security", 2018, arXiv:1802.00420.
 *
 * Algorithm: run a white-box attack (default PGD, or APGD-CE, …) against a SURROGATE model
 * whose gradients are available and informative, and hand its adversarial examples to the
 * target unchanged. runAttack projects and verifies them on the target, so only examples that
 * transfer count. The surrogate is either
 *  - another classifier loaded by the caller (same input shape and classes): the target only
 *    needs to answer predict, i.e. it may be a black box (`needs: 'logits'`); or
 *  - the target itself with straight-through (BPDA) gradients: piecewise-constant ops
 *    (quantisation, rounding, argmax-style preprocessing) are differentiated as the identity
 *    while the verification uses the true forward pass.
 *
 * AttackDefinition.search receives only the target, so a transfer attack is built by a
 * factory, `transferAttack(surrogate, inner, innerParams)`, which closes over the surrogate
 * and the inner attack (whose parameters are validated when the factory is called, so a bad
 * inner parameter fails before any model call). Its own parameters (`TransferParams`) only
 * choose whether the surrogate's gradients are taken straight-through.
 */
import { z } from 'zod';
import { UsageError } from '../errors';
import { parseParams } from './run';
import { AttackDefinition, AttackModel, hasGradients } from './types';

/** The target itself, differentiated straight-through (BPDA), as its own surrogate. */
export const TARGET_BPDA = 'target-bpda' as const;
export type Surrogate = AttackModel | typeof TARGET_BPDA;

export const transferParams = z.object({
  straightThrough: z.boolean().default(false)
    .describe('take the surrogate\'s gradients straight-through (BPDA: identity through piecewise-constant ops); always on for the target-bpda surrogate'),
}).strict();
export type TransferParams = z.infer<typeof transferParams>;

/** Sample counts a surrogate consumed (not part of the target's counters). */
export interface SurrogateCalls {
  forward: number;
  gradient: number;
}

/** A transfer attack definition, plus what the surrogate cost (read after a run). */
export interface TransferDefinition extends AttackDefinition<TransferParams> {
  /** The white-box attack run on the surrogate. */
  readonly inner: AttackDefinition<unknown>;
  /** Its validated parameters. */
  readonly innerParams: unknown;
  /** 'target-bpda', or 'model' for a separate surrogate classifier. */
  readonly surrogateKind: 'target-bpda' | 'model';
  /** Calls made on a separate surrogate over all runs of this definition (zero for target-bpda: those count on the target). */
  surrogateCalls(): SurrogateCalls;
}

/**
 * The surrogate as an AttackModel whose gradients are always taken straight-through. Its
 * predict and counters are the wrapped model's own.
 */
export function straightThroughModel(model: AttackModel): AttackModel {
  return {
    info: model.info,
    predict: (x, n, opts) => model.predict(x, n, opts),
    lossAndGrad: (x, n, y, opts) => model.lossAndGrad(x, n, y, { ...opts, straightThrough: true }),
    counters: () => model.counters(),
  };
}

/**
 * Builds a transfer attack: `inner` (a gradient attack) runs on `surrogate` with
 * `innerParams`; its candidates are returned for verification on the target.
 *
 * @param surrogate another loaded classifier taking the same inputs and classes as the
 *   target, or TARGET_BPDA for the target itself with straight-through gradients.
 * @throws UsageError when innerParams do not fit the inner attack's schema.
 */
export function transferAttack<P>(surrogate: Surrogate, inner: AttackDefinition<P>, innerParams: unknown = {}): TransferDefinition {
  const parsed = parseParams(inner, innerParams);
  const isSelf = surrogate === TARGET_BPDA;
  const startCounters = isSelf ? { forward: 0, gradient: 0 } : surrogate.counters();
  return {
    name: `transfer(${inner.name})`,
    paper: 'Papernot, McDaniel, Goodfellow 2016, arXiv:1605.07277 (BPDA surrogate: Athalye et al. 2018, arXiv:1802.00420)',
    // A separate surrogate carries the gradients: the target only has to answer predict.
    needs: isSelf ? inner.needs : 'logits',
    params: transferParams,
    inner: inner as AttackDefinition<unknown>,
    innerParams: parsed,
    surrogateKind: isSelf ? 'target-bpda' : 'model',
    surrogateCalls() {
      if (isSelf) return { forward: 0, gradient: 0 };
      const c = surrogate.counters();
      return { forward: c.forward - startCounters.forward, gradient: c.gradient - startCounters.gradient };
    },
    async search(target, batch, threat, params, ctx) {
      let model: AttackModel;
      if (isSelf) model = straightThroughModel(target);
      else {
        checkCompatible(surrogate, target);
        model = params.straightThrough ? straightThroughModel(surrogate) : surrogate;
      }
      if (inner.needs === 'gradients' && !hasGradients(model)) {
        throw new UsageError(`transfer: ${inner.name} needs gradients, but the surrogate only provides logits`);
      }
      return inner.search(model, batch, threat, parsed, ctx);
    },
  };
}

/** The surrogate must take the target's inputs and predict the same classes. */
function checkCompatible(surrogate: AttackModel, target: AttackModel): void {
  const s = surrogate.info, t = target.info;
  if (s.inputShape.length !== t.inputShape.length || s.inputShape.some((d, i) => d !== t.inputShape[i])) {
    throw new UsageError(`transfer: the surrogate takes [${s.inputShape.join(', ')}] per sample but the target takes [${t.inputShape.join(', ')}]`);
  }
  if (s.numClasses !== t.numClasses) {
    throw new UsageError(`transfer: the surrogate has ${s.numClasses} classes but the target has ${t.numClasses}`);
  }
}
