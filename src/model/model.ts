/**
 * The narrow Model interface attacks use: a prepared classifier's logits and loss gradients.
 * load.ts builds one (in process or behind a worker pool); local-model.ts and pooled-model.ts
 * implement it.
 */
import type { LossKind } from '../autodiff/loss';
import type { GradientResult, ModelInfo } from './types';

export type { ModelInfo, GradientResult } from './types';

/** A loaded classifier as attacks see it. */
export interface Model {
  readonly info: ModelInfo;
  /** Pre-softmax logits [n, C] (the model's own output when it has no trailing softmax). x is [n, ...inputShape]. */
  predict(x: Float32Array, n: number, opts?: { signal?: AbortSignal }): Promise<Float32Array>;
  /**
   * Logits, per-sample loss (to maximise) and d(Σ loss)/dx for labels y. A `target` selects
   * the targeted loss; `straightThrough` differentiates piecewise-constant ops as identity (BPDA).
   */
  lossAndGrad(
    x: Float32Array, n: number, y: Int32Array,
    opts: { loss: LossKind; target?: Int32Array; straightThrough?: boolean; signal?: AbortSignal },
  ): Promise<GradientResult>;
  /** Samples processed so far by predict (forward) and lossAndGrad (gradient). */
  counters(): { forward: number; gradient: number };
  /** Releases sessions and workers; later calls reject with CancelledError. */
  close(): Promise<void>;
}
