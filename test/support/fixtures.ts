/** Paths and loaders for the committed fixtures and the shared VNN-COMP set. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NdArray, readNpz } from '../../src/data';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures');
export const VNNCOMP = join(__dirname, '..', '..', '..', 'shared', 'data', 'vnncomp');
/** Why VNN-COMP tests skip, or undefined when the data is present. */
export const VNNCOMP_SKIP = existsSync(join(VNNCOMP, 'README.md'))
  ? undefined
  : `../shared/data/vnncomp is absent (third-party models are not shipped in this repo)`;

export function fixturePath(rel: string): string {
  return join(FIXTURES, rel);
}

export function readArrays(path: string): Map<string, NdArray> {
  return readNpz(readFileSync(path));
}

export function asFloat64(a: NdArray): Float64Array {
  return Float64Array.from(a.data as ArrayLike<number>);
}

export function asInt32(a: NdArray): Int32Array {
  return Int32Array.from(Array.from(a.data as ArrayLike<number | bigint>, Number));
}

/** max_i ‖a_i − b_i‖∞ / ‖b_i‖∞ over n equal-size rows (per-sample relative error). */
export function maxRowRelErr(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  const per = b.length / n;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let diff = 0, ref = 0;
    for (let k = i * per; k < (i + 1) * per; k++) {
      diff = Math.max(diff, Math.abs(a[k] - b[k]));
      ref = Math.max(ref, Math.abs(b[k]));
    }
    worst = Math.max(worst, ref > 0 ? diff / ref : diff);
  }
  return worst;
}
