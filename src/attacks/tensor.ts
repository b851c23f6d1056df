/** Row-wise helpers over flat [n, per] float32 arrays, shared by attacks. */
import type { AttackBatch } from './types';

/** argmax per row of an [n, C] matrix. */
export function argmaxRows(logits: Float32Array, n: number): Int32Array {
  const c = logits.length / n;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (logits[i * c + j] > logits[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** Copies rows `idx` of a into a new array. */
export function selectRows(a: Float32Array, per: number, idx: readonly number[]): Float32Array {
  const out = new Float32Array(idx.length * per);
  idx.forEach((i, j) => out.set(a.subarray(i * per, (i + 1) * per), j * per));
  return out;
}

/** The rows `keep` of each [·, per] array (compacting an attack's working set to the points still searching). */
export function keepRows(per: number, keep: readonly number[], ...arrays: Float32Array[]): Float32Array[] {
  return arrays.map((a) => selectRows(a, per, keep));
}

/** Writes row j of `rows` to row idx[j] of `into`, where mask[j] (all rows when no mask). */
export function scatterRows(into: Float32Array, per: number, idx: readonly number[], rows: Float32Array, mask?: Uint8Array): void {
  idx.forEach((i, j) => { if (!mask || mask[j]) into.set(rows.subarray(j * per, (j + 1) * per), i * per); });
}

/** The original-batch index of every sample of a batch: batch.ids, or 0 … n−1. */
export function batchIds(batch: Pick<AttackBatch, 'n' | 'ids'>): Int32Array {
  return batch.ids ?? Int32Array.from({ length: batch.n }, (_, i) => i);
}

/** The sub-batch of rows `idx`, carrying their original-batch ids. */
export function selectBatch(batch: AttackBatch, idx: readonly number[]): AttackBatch {
  const per = batch.n > 0 ? batch.x.length / batch.n : 0;
  const ids = batchIds(batch);
  return {
    x: selectRows(batch.x, per, idx), n: idx.length, y: Int32Array.from(idx, (i) => batch.y[i]),
    lower: selectRows(batch.lower, per, idx), upper: selectRows(batch.upper, per, idx),
    ids: Int32Array.from(idx, (i) => ids[i]),
  };
}
