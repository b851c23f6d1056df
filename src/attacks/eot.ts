/**
 * Expectation over Transformation (EOT).
 * Athalye, Engstrom, Ilyas, Kwok, "Synthesizing Robust Adversarial Examples", ICML 2018.
 * https://arxiv.org/abs/1707.07397 — used against randomized defences in Athalye, Carlini,
 * Wagner, "Obfuscated Gradients Give a False Sense of Security", 2018 (https://arxiv.org/abs/1802.00420).
 *
 * A model with random ops (noise, random resizing, dropout at inference) computes a random
 * function f(x; ω). An attack on it should ascend E_ω[L(f(x; ω), y)], whose gradient is
 * E_ω[∇ₓL], estimated by the mean of k independent draws:
 *
 *   ĝ = (1/k) Σᵢ ∇ₓ L(f(x; ωᵢ), y)        (likewise the mean loss and the mean logits)
 *
 * Each draw is its own `lossAndGrad` call: ONNX Runtime re-samples Random* ops on every run,
 * while tiling x inside one call would share noise that is not drawn per sample (e.g. a
 * RandomNormal of fixed shape broadcast over the batch).
 */
import { z } from 'zod';
import { UsageError } from '../errors';
import type { GradientResult } from '../model/model';
import { AttackModel } from './types';

/** Options of one gradient call (as Model.lossAndGrad). */
export type LossAndGradOptions = Parameters<AttackModel['lossAndGrad']>[3];

/** Largest number of draws per step accepted by the `eot` parameter. */
export const MAX_EOT_DRAWS = 1000;

/** The `eot` parameter shared by the gradient attacks. */
export const eotParam = z.number().int().min(1).max(MAX_EOT_DRAWS).default(1)
  .describe('EOT: gradient draws averaged per step on models with random ops (1 = a single draw; ignored, i.e. 1, on deterministic models)');

/**
 * Mean logits, loss and gradient of k draws of `model.lossAndGrad(x, n, y, opts)`.
 * On a model without random ops all draws are identical, so it makes a single call.
 * runAttack's majority vote over fresh draws, not these mean logits, judges success.
 */
export async function eotLossAndGrad(
  model: AttackModel, x: Float32Array, n: number, y: Int32Array, opts: LossAndGradOptions, k: number,
): Promise<GradientResult> {
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`EOT draws must be a positive integer, got ${k}`);
  const draws = model.info.random.length === 0 ? 1 : k;
  if (draws === 1) return model.lossAndGrad(x, n, y, opts);
  let logits: Float64Array | undefined, loss: Float64Array | undefined, grad: Float64Array | undefined;
  for (let d = 0; d < draws; d++) {
    const r = await model.lossAndGrad(x, n, y, opts);
    logits = accumulate(logits, r.logits);
    loss = accumulate(loss, r.loss);
    grad = accumulate(grad, r.grad);
  }
  const mean = (a: Float64Array) => Float32Array.from(a, (v) => v / draws);
  return { logits: mean(logits!), loss: mean(loss!), grad: mean(grad!) };
}

function accumulate(sum: Float64Array | undefined, v: Float32Array): Float64Array {
  const s = sum ?? new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) s[i] += v[i];
  return s;
}
