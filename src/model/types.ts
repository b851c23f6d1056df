/** Types shared by the Model facade (model.ts), the in-thread engine and the worker pool. */
import { LossKind } from '../autodiff/loss';
import { BatchMode } from './generalise';
import { MemoryEstimate } from './batching';
import { Provider } from '../runtime/providers';

/** What Gauntlet learned about a loaded classifier. */
export interface ModelInfo {
  /** Per-sample input shape (no batch dim): callers pass x as [n, ...inputShape]. */
  inputShape: number[];
  numClasses: number;
  /** Whether several samples run in one ORT call (batch: 'dynamic' or 'generalised'). */
  batched: boolean;
  /** How batches run: the model's own free batch dim, a rewritten fixed batch of 1, or one sample per call. */
  batch: BatchMode;
  /** Why batch generalisation was not used (ORT error or the disagreement found), when batch is 'perSample'. */
  batchNote?: string;
  /** 'Softmax' | 'LogSoftmax' when the model ends in one: logits are taken before it. */
  strippedSoftmax?: string;
  /** Random ops reachable from the input, as "OpType 'node'" (outputs and gradients are samples). */
  random: string[];
  /** Piecewise-constant ops reachable from the input, as "OpType 'node'" (zero gradient unless straightThrough). */
  nonDifferentiable: string[];
  provider: Provider;
  /** sha256 of the model file as given, hex. */
  modelSha256: string;
  /** Element type the model computes in (x is converted at the boundary for float64 models). */
  dtype: 'float32' | 'float64';
  /** Estimated memory per sample of a forward and a gradient pass (chunking to the budget uses it). */
  bytesPerSample: MemoryEstimate;
  /** What canonicalisation changed. */
  notes: string[];
  /** The graph output audited, when the caller chose one (a model with several outputs). */
  output?: string;
}

/** Options of one gradient call. */
export interface GradientCall {
  loss: LossKind;
  /** Targeted variant when given: one class per sample. */
  target?: Int32Array;
  /** BPDA: identity gradient through piecewise-constant ops. */
  straightThrough?: boolean;
  signal?: AbortSignal;
}

/** Per-sample logits, losses and d(Σ loss)/dx. */
export interface GradientResult {
  /** [n, C] pre-softmax logits. */
  logits: Float32Array;
  /** [n] per-sample loss (to be maximised). */
  loss: Float32Array;
  /** [n, ...inputShape]. */
  grad: Float32Array;
}
