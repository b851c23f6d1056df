/**
 * Splitting calls to a memory budget. Memory per sample is estimated from the probe: the
 * sum of every intermediate value's size (per sample), times GRADIENT_FACTOR for the
 * gradient graph (forward activations kept alive plus their gradients plus rule temporaries).
 * The estimate is deliberately coarse and conservative; ORT reuses buffers, so real use is
 * lower.
 */
import { itemSize, numel } from '../onnx/ir';
import { ShapeInfo } from '../onnx/shapes';

/** Default memory budget for one call, in MiB. */
export const DEFAULT_MEMORY_BUDGET_MB = 1024;
/** Gradient graph memory relative to the forward pass. */
export const GRADIENT_FACTOR = 3;

/** Estimated bytes per sample of one forward and one gradient pass. */
export interface MemoryEstimate {
  forward: number;
  gradient: number;
}

/**
 * Estimates bytes per sample from probe shapes. `probeBatch` is the batch the probe ran at
 * (1 for per-sample models); values listed in `constants` (initializers) are not counted.
 */
export function estimateBytesPerSample(shapes: ShapeInfo, probeBatch: number, constants: ReadonlySet<string>): MemoryEstimate {
  let bytes = 0;
  for (const [name, m] of shapes) {
    if (constants.has(name)) continue;
    bytes += numel(m.shape) * Math.max(1, itemSize(m.dtype));
  }
  const forward = Math.max(1, Math.ceil(bytes / Math.max(1, probeBatch)));
  return { forward, gradient: forward * GRADIENT_FACTOR };
}

/** Largest number of samples whose estimated memory fits `budgetMB` (at least 1). */
export function samplesPerChunk(bytesPerSample: number, budgetMB: number): number {
  const budget = budgetMB * 1024 * 1024;
  return Math.max(1, Math.floor(budget / Math.max(1, bytesPerSample)));
}

/** A contiguous range of samples. */
export interface Chunk {
  start: number;
  count: number;
}

/** Splits n samples into consecutive chunks of at most `size` samples. */
export function chunkRanges(n: number, size: number): Chunk[] {
  const out: Chunk[] = [];
  const step = Math.max(1, Math.floor(size));
  for (let start = 0; start < n; start += step) out.push({ start, count: Math.min(step, n - start) });
  return out;
}
