/**
 * Contracts of the attack library (STYLE.md §7–9): an attack is a pure async search over a
 * narrow model interface. It proposes candidate adversarial examples; `runAttack` (run.ts)
 * alone decides success, after a fresh forward pass of the original model on the projected
 * example, with ‖δ‖ ≤ ε and the input box verified in float64.
 */
import { z } from 'zod';
import type { Model } from '../model/model';

export type Norm = 'linf' | 'l2';
export const NORMS: readonly Norm[] = ['linf', 'l2'];

/** A model that answers logits only: what black-box (query) attacks and verification need. */
export type LogitsModel = Pick<Model, 'info' | 'predict' | 'counters'>;

/** A model that also answers the loss and its input gradient: what white-box attacks need. */
export type GradientModel = LogitsModel & Pick<Model, 'lossAndGrad'>;

/** What attacks may call: the runtime Model minus lifecycle (a GradientModel). */
export type AttackModel = GradientModel;

/** The capability an attack needs. */
export type Needs = 'logits' | 'gradients';

/**
 * The model type an attack needing `N` receives: a GradientModel for 'gradients', a LogitsModel
 * for 'logits'; a definition that does not name its capability gets the full AttackModel.
 */
export type ModelFor<N extends Needs> = [N] extends ['gradients'] ? GradientModel : [N] extends ['logits'] ? LogitsModel : AttackModel;

/** Whether a model answers gradients (the capability check at the boundary, where models arrive untyped). */
export function hasGradients(model: LogitsModel): model is GradientModel {
  return typeof (model as Partial<GradientModel>).lossAndGrad === 'function';
}

/** The threat model: an ε-ball in a norm, intersected with the per-element input box. */
export interface ThreatModel {
  norm: Norm;
  eps: number;
}

/** Samples to attack. All arrays are per element of x ([n, ...sampleShape]) or per sample. */
export interface AttackBatch {
  x: Float32Array;
  n: number;
  y: Int32Array;
  /** Valid input box, elementwise (e.g. [0,1] pixels, or normalised coordinates). */
  lower: Float32Array;
  upper: Float32Array;
  /**
   * Index of each sample in the caller's original batch (default 0 … n−1). Attacks seed every
   * sample's random stream from (ctx.seed, its id) (`sampleRng`), so a sample draws the same
   * numbers whether it is attacked in the full batch or in a subset (runAttack attacks only the
   * clean-correct points, a cascade stage only the points still robust).
   */
  ids?: Int32Array;
}

export interface AttackProgress {
  attack: string;
  done: number;
  total: number;
  /** Robust accuracy over the points processed so far (clean-correct and not yet broken). */
  robustAccuracy: number;
}

export interface AttackContext {
  /** Seed: an attack is deterministic for a given seed. */
  seed: number;
  /** Cooperative cancellation: attacks check it between iterations. */
  signal?: AbortSignal;
  onProgress?: (p: AttackProgress) => void;
  /** Draws used to decide success on a model with random ops (majority vote). Default 9. */
  successDraws?: number;
}

/** What a search returns: one candidate per sample (x itself where it found nothing). */
export interface Candidates {
  xAdv: Float32Array;
}

/** Verified outcome of one attack on a batch. */
export interface AttackResult {
  attack: string;
  n: number;
  /** 1 where the clean input is classified correctly. */
  cleanCorrect: Uint8Array;
  /** 1 where a verified adversarial example exists (clean-misclassified points count as broken with δ = 0). */
  success: Uint8Array;
  /** The verified adversarial example where success, else x. */
  xAdv: Float32Array;
  /** ‖xAdv − x‖ in the threat norm, float64 (0 where no success). */
  norms: Float64Array;
  /** Predicted class of xAdv (of x where no success). */
  advPred: Int32Array;
  /** Samples through predict / lossAndGrad during the attack, including verification. */
  forwardCalls: number;
  gradientCalls: number;
  seconds: number;
}

/**
 * Declarative head + search function of one attack. `N` is the capability it needs; its search
 * receives a model of that capability (ModelFor<N>), and runAttack refuses a model without it.
 */
export interface AttackDefinition<P, N extends Needs = Needs> {
  name: string;
  /** Paper the implementation follows. */
  paper: string;
  /** Capability needed: logits only (black-box) or gradients. */
  needs: N;
  /** One zod schema: validator, TypeScript type and CLI/API documentation. */
  params: z.ZodType<P>;
  search(model: ModelFor<N>, batch: AttackBatch, threat: ThreatModel, params: P, ctx: AttackContext): Promise<Candidates>;
}
