/**
 * Shape facts: the dtype and concrete shape of every value of a graph, as the shape probe
 * (src/runtime/probe.ts) observes them. Read by the canonicaliser, the gradient builder and the
 * model pipeline.
 */
import type { DType, TensorValue } from './ir';

/** dtype and concrete shape of a value, as observed by the shape probe (batch dim at the probe's batch size). */
export interface ValueMeta {
  dtype: DType;
  shape: number[];
  /** The probe's value, recorded for small tensors (≤ PROBE_VALUE_LIMIT elements). */
  value?: TensorValue;
}

/** Shape information for every value in the (canonical) graph. */
export type ShapeInfo = Map<string, ValueMeta>;
