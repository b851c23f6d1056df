/**
 * Runtime: the only importer of onnxruntime-node — sessions, host tensors, execution providers
 * and the shape probe. The model pipeline (src/model) builds on it.
 */
export { PROVIDERS, availableProviders, assertProviderAvailable } from './providers';
export type { Provider } from './providers';
export { ortVersion } from './session';
