/**
 * Runtime: the only importer of onnxruntime-node. Attacks and the audit use `loadModel` and
 * the `Model` interface; the rest is exported for the CLI (provider listing) and tests.
 */
export { loadModel } from './model';
export type { Model, LoadOptions } from './model';
export type { ModelInfo, GradientCall, GradientResult } from './types';
export type { BatchMode } from './generalise';
export { PROVIDERS, availableProviders, assertProviderAvailable } from './providers';
export type { Provider } from './providers';
export { DEFAULT_MEMORY_BUDGET_MB } from './batching';
export { GradientShapeError } from './verify';
export { ortVersion } from './session';
