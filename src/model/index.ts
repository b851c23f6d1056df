/**
 * The model pipeline: prepare an ONNX classifier (canonicalise, detect the classifier, probe,
 * generalise the batch, scan its ops), build its gradient graphs and serve `Model` calls in
 * process or from a worker pool. Attacks and the audit use `loadModel` and the `Model` interface.
 */
export { loadModel } from './load';
export type { LoadOptions } from './load';
export type { Model } from './model';
export type { ModelInfo, GradientCall, GradientResult } from './types';
export type { BatchMode } from './generalise';
export { DEFAULT_MEMORY_BUDGET_MB } from './batching';
export { GradientShapeError } from './verify';
