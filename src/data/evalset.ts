/**
 * The canonical evaluation set: an `.npz` archive with
 *
 * - `x`      float32 (float64 is converted) of shape [N, ...sample], N > 0;
 * - `y`      integer labels of shape [N] (int64, int32, uint8 or int8);
 * - `lower`, `upper` (optional) float32/float64 input bounds, either x's shape or any shape that
 *   broadcasts to it under NumPy rules (a scalar, [N, 1, 1, 1], [C, 1, 1], …); default 0 and 1;
 * - `target` (optional) integer target classes of shape [N] for targeted attacks.
 *
 * Other arrays (names, metadata, …) are ignored and listed in `ignoredArrays`, except names that
 * look like a misspelt or differently-cased x, y, lower, upper or target ('uper', 'X'): those are
 * refused, since silently dropping a bound would change the threat model.
 *
 * Loading validates everything up front so attacks never see malformed data.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { DataError, UsageError } from '../errors';
import { checkedElementCount, describeValue, formatShape, NdArray } from './npy';
import { readNpz, writeNpz } from './npz';
import { describeReadFailure } from '../util/read-error';
import { checkValues, Counter, DEFAULT_LOWER, DEFAULT_UPPER, EvalSetValues } from './evalset-values';

/** An evaluation set: its arrays (EvalSetValues) and what is derived from them. */
export interface EvalSet extends EvalSetValues {
  /** Number of samples (xShape[0]). */
  n: number;
  /** Arrays of the archive that are not part of an evaluation set and were ignored (absent when none). */
  ignoredArrays?: string[];
  /** Shape of one sample (xShape without its first dimension). */
  sampleShape: number[];
}

export interface EvalSetOptions {
  /** When given, labels and targets must be below it. */
  numClasses?: number;
  /** Zip-bomb cap passed to readNpz (default 2 GiB). */
  maxUncompressedBytes?: number;
}

export interface SaveEvalSetOptions {
  /** Deflate the archive members (default false). */
  compress?: boolean;
}

export { BOUNDS_TOLERANCE } from './evalset-values';
/** Array names an evaluation-set archive may contain. */
export const EVALSET_KEYS = ['x', 'y', 'lower', 'upper', 'target'] as const;

const INT32_MAX = 2 ** 31 - 1;

// ---------------------------------------------------------------------------------------------
// Loading

/**
 * Reads and validates an evaluation set from an `.npz` file.
 * @throws DataError (message prefixed with the path) when the file is missing, unreadable,
 *   not an `.npz`, or fails any check of `evalSetFromArrays`.
 */
export function loadEvalSet(path: string, opts: EvalSetOptions = {}): EvalSet {
  if (path.toLowerCase().endsWith('.npy')) {
    throw new DataError(`${path}: an evaluation set must be an .npz archive holding at least 'x' and 'y'; found a single .npy file`);
  }
  const bytes = readFileOrThrow(path, 'evaluation set');
  try {
    return parseEvalSet(bytes, opts);
  } catch (e) {
    if (e instanceof DataError) throw new DataError(`${path}: ${e.message}`, { ...e.details, path });
    throw e;
  }
}

/**
 * Parses and validates an evaluation set from the bytes of an `.npz` archive.
 * @throws DataError as described for evalSetFromArrays, or for a malformed archive.
 */
export function parseEvalSet(bytes: Uint8Array, opts: EvalSetOptions = {}): EvalSet {
  const numClasses = checkNumClasses(opts.numClasses);
  return evalSetFromArrays(readNpz(bytes, { maxUncompressedBytes: opts.maxUncompressedBytes }), { numClasses });
}

/**
 * Builds a validated EvalSet from named arrays (as returned by readNpz).
 * @throws DataError when x or y is missing or has the wrong dtype, N is 0 or differs between
 *   arrays, an unknown array name is present, bounds do not broadcast to x, values are
 *   non-finite, lower > upper, x lies outside [lower, upper], or labels are out of range.
 */
export function evalSetFromArrays(arrays: Map<string, NdArray>, opts: EvalSetOptions = {}): EvalSet {
  const ignored = checkKeys(arrays);
  const xArray = arrays.get('x')!;
  const x = toFloat32(xArray, 'x');
  const xShape = [...xArray.shape];
  const n = checkXShape(xShape);
  const set: EvalSet = {
    x,
    xShape,
    n,
    sampleShape: xShape.slice(1),
    y: toLabels(arrays.get('y')!, 'y', n),
    lower: toBound(arrays.get('lower'), 'lower', xShape, DEFAULT_LOWER),
    upper: toBound(arrays.get('upper'), 'upper', xShape, DEFAULT_UPPER),
  };
  const target = arrays.get('target');
  if (target) set.target = toLabels(target, 'target', n);
  if (ignored.length > 0) set.ignoredArrays = ignored;
  checkValues(set, checkNumClasses(opts.numClasses), !arrays.has('lower') && !arrays.has('upper'));
  return set;
}

/**
 * Checks an in-memory EvalSet (e.g. one built by hand) for internal consistency and the
 * same value rules that loading enforces.
 * @throws DataError describing the first problem found.
 */
export function validateEvalSet(set: EvalSet, opts: EvalSetOptions = {}): void {
  checkStructure(set);
  checkValues(set, checkNumClasses(opts.numClasses), false);
}

/** Checks the names of the archive's arrays; returns the ignored ones (not evaluation-set arrays). */
function checkKeys(arrays: Map<string, NdArray>): string[] {
  const unknown = [...arrays.keys()].filter((k) => !(EVALSET_KEYS as readonly string[]).includes(k));
  const nearMisses = unknown.map((k) => [k, nearestKey(k)] as const).filter(([, near]) => near !== null);
  if (nearMisses.length > 0) {
    throw new DataError(`evaluation set has arrays that look like misspelt evaluation-set names: ${nearMisses.map(([k, near]) => `'${k}' (did you mean '${near}'?)`).join(', ')}; the names are ${EVALSET_KEYS.join(', ')} (other arrays are ignored)`);
  }
  for (const key of ['x', 'y']) {
    if (!arrays.has(key)) {
      const found = arrays.size ? [...arrays.keys()].join(', ') : 'no arrays';
      throw new DataError(`evaluation set is missing '${key}' (expected arrays x and y, optionally lower, upper, target; found ${found})`);
    }
  }
  return unknown;
}

/** The evaluation-set name k is a case variant or a near misspelling of (edit distance 1 for names of 4+ letters), or null. */
function nearestKey(k: string): string | null {
  const lower = k.toLowerCase();
  for (const key of EVALSET_KEYS) {
    if (lower === key) return key;
    if (key.length >= 4 && editDistance(lower, key) <= 1) return key;
  }
  return null;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 1) return 2;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function checkXShape(xShape: number[]): number {
  if (xShape.length === 0) throw new DataError('x must have shape [N, ...sample]; found a 0-d scalar');
  const n = xShape[0]!;
  if (n === 0) throw new DataError(`x has N = 0 samples (shape ${formatShape(xShape)}); an evaluation set needs at least one`);
  if (xShape.slice(1).includes(0)) throw new DataError(`x has empty samples (shape ${formatShape(xShape)})`);
  return n;
}

function toFloat32(a: NdArray, name: string): Float32Array {
  if (a.dtype === 'float32') return a.data as Float32Array;
  if (a.dtype === 'float64') return Float32Array.from(a.data as Float64Array);
  throw new DataError(`${name} must be float32 or float64; found ${a.dtype}`);
}

/** Converts an integer array of shape [n] to Int32Array, rejecting negatives and huge values. */
function toLabels(a: NdArray, name: string, n: number): Int32Array {
  if (!['int64', 'int32', 'uint8', 'int8'].includes(a.dtype)) {
    const hint = a.dtype.startsWith('float') ? ' (one-hot or probability labels are not supported; store class indices)' : '';
    throw new DataError(`${name} must hold integer class indices (int64, int32, uint8 or int8); found ${a.dtype}${hint}`);
  }
  if (a.shape.length !== 1 || a.shape[0] !== n) {
    const what = a.shape.length === 1 ? `${a.shape[0]} labels` : `shape ${formatShape(a.shape)}`;
    throw new DataError(`x has N = ${n} samples but ${name} has ${what}; expected shape [${n}]`, { n, shape: a.shape });
  }
  const out = new Int32Array(n);
  const bad = new Counter();
  for (let i = 0; i < n; i++) {
    const v = Number(a.data[i]!);
    if (v < 0 || v > INT32_MAX) bad.add(i, v);
    else out[i] = v;
  }
  if (bad.count > 0) {
    throw new DataError(
      `${name} has ${bad.count} label(s) outside [0, ${INT32_MAX}] (first at index ${bad.first}: ${bad.firstValue}); class indices must be non-negative`,
      bad.details(),
    );
  }
  return out;
}

/** Converts an optional bound to float32 and broadcasts it to x's shape. */
function toBound(a: NdArray | undefined, name: string, xShape: number[], fallback: number): Float32Array {
  const total = xShape.reduce((p, d) => p * d, 1);
  if (!a) return new Float32Array(total).fill(fallback);
  const data = toFloat32(a, name);
  checkBroadcastable(a.shape, xShape, name);
  return broadcastTo(data, a.shape, xShape, total);
}

function checkBroadcastable(shape: number[], xShape: number[], name: string): void {
  const offset = xShape.length - shape.length;
  const ok = offset >= 0 && shape.every((d, i) => d === 1 || d === xShape[offset + i]);
  if (!ok) {
    throw new DataError(
      `${name} has shape ${formatShape(shape)}, which does not broadcast to x's shape ${formatShape(xShape)}; ` +
        `expected x's shape, a scalar, or a NumPy-broadcastable shape such as [N, 1, ...] or [1, ...sample]`,
      { shape, xShape },
    );
  }
}

/** Materialises `src` (shape `srcShape`, broadcastable) to the full `dstShape`. */
function broadcastTo(src: Float32Array, srcShape: number[], dstShape: number[], total: number): Float32Array {
  if (src.length === total) return src.slice();
  if (src.length === 1) return new Float32Array(total).fill(src[0]!);
  const rank = dstShape.length;
  const padded = [...new Array<number>(rank - srcShape.length).fill(1), ...srcShape];
  const strides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    strides[d] = padded[d] === 1 ? 0 : s;
    s *= padded[d]!;
  }
  const out = new Float32Array(total);
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  for (let k = 0; k < total; k++) {
    out[k] = src[from]!;
    for (let d = rank - 1; d >= 0; d--) {
      from += strides[d]!;
      if (++index[d]! < dstShape[d]!) break;
      from -= strides[d]! * dstShape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

function checkNumClasses(numClasses: number | undefined): number | undefined {
  if (numClasses !== undefined && (!Number.isSafeInteger(numClasses) || numClasses < 1)) {
    throw new UsageError(`numClasses must be a positive integer; found ${String(numClasses)}`);
  }
  return numClasses;
}

/** Structural consistency of an in-memory EvalSet: types, lengths and shapes agree. */
function checkStructure(set: EvalSet): void {
  const fail = (what: string) => {
    throw new DataError(`invalid EvalSet: ${what}`);
  };
  if (!(set.x instanceof Float32Array)) fail(`expected x to be a Float32Array, found ${describeValue(set.x)}`);
  if (!Array.isArray(set.xShape)) fail(`expected xShape to be an array, found ${describeValue(set.xShape)}`);
  const total = checkedElementCount(set.xShape, 'EvalSet xShape');
  if (set.x.length !== total) fail(`xShape ${formatShape(set.xShape)} has ${total} elements but x has ${set.x.length}`);
  checkXShape(set.xShape);
  if (set.n !== set.xShape[0]) fail(`n = ${set.n} but xShape[0] = ${set.xShape[0]}`);
  if (formatShape(set.sampleShape ?? []) !== formatShape(set.xShape.slice(1))) {
    fail(`sampleShape ${formatShape(set.sampleShape ?? [])} does not match xShape ${formatShape(set.xShape)}`);
  }
  for (const [name, arr, length, Type] of [
    ['y', set.y, set.n, Int32Array],
    ['target', set.target, set.n, Int32Array],
    ['lower', set.lower, total, Float32Array],
    ['upper', set.upper, total, Float32Array],
  ] as const) {
    if (arr === undefined && name === 'target') continue;
    if (!(arr instanceof Type)) fail(`expected ${name} to be a ${Type.name}, found ${describeValue(arr)}`);
    else if (arr.length !== length) fail(`expected ${name} to have ${length} elements, found ${arr.length}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Saving and slicing

/**
 * Serialises a (validated) EvalSet as `.npz` bytes: x float32, y and target int64, and lower/upper
 * as float32 scalars when constant, full-size otherwise. Output is deterministic.
 * @throws DataError when the set fails validateEvalSet.
 */
export function evalSetToNpz(set: EvalSet, opts: SaveEvalSetOptions = {}): Uint8Array {
  validateEvalSet(set);
  const arrays: Record<string, NdArray> = {
    x: { dtype: 'float32', shape: [...set.xShape], data: set.x },
    y: { dtype: 'int64', shape: [set.n], data: BigInt64Array.from(set.y, BigInt) },
    lower: compactBound(set.lower, set.xShape),
    upper: compactBound(set.upper, set.xShape),
  };
  if (set.target) arrays.target = { dtype: 'int64', shape: [set.n], data: BigInt64Array.from(set.target, BigInt) };
  return writeNpz(arrays, { compress: opts.compress });
}

/**
 * Writes an EvalSet to `path` as `.npz` (via a temporary file and rename, so readers never see
 * a half-written file).
 * @throws DataError when the set is invalid or the file cannot be written.
 */
export function saveEvalSet(path: string, set: EvalSet, opts: SaveEvalSetOptions = {}): void {
  const bytes = evalSetToNpz(set, opts);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new DataError(`cannot write evaluation set to ${path}: ${(e as Error).message}`);
  }
}

function compactBound(values: Float32Array, xShape: number[]): NdArray {
  const constant = values.every((v) => v === values[0]);
  return constant
    ? { dtype: 'float32', shape: [], data: values.slice(0, 1) }
    : { dtype: 'float32', shape: [...xShape], data: values };
}

/**
 * Samples `start` (inclusive) to `end` (exclusive) of a set, as independent copies.
 * @throws UsageError unless 0 ≤ start < end ≤ set.n are integers.
 */
export function sliceEvalSet(set: EvalSet, start: number, end: number): EvalSet {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > set.n || start >= end) {
    throw new UsageError(`sliceEvalSet: expected integers 0 <= start < end <= ${set.n}; found start = ${start}, end = ${end}`);
  }
  const size = set.x.length / set.n;
  const sliced: EvalSet = {
    x: set.x.slice(start * size, end * size),
    xShape: [end - start, ...set.sampleShape],
    y: set.y.slice(start, end),
    lower: set.lower.slice(start * size, end * size),
    upper: set.upper.slice(start * size, end * size),
    n: end - start,
    sampleShape: [...set.sampleShape],
  };
  if (set.target) sliced.target = set.target.slice(start, end);
  if (set.ignoredArrays) sliced.ignoredArrays = [...set.ignoredArrays];
  return sliced;
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * SHA-256 of a file's raw bytes, as lowercase hex (read in chunks, so any size is fine).
 * @throws DataError when the file is missing or unreadable.
 */
export function fileSha256(path: string): string {
  const hash = createHash('sha256');
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw fileError(e, path, 'file');
  }
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0; ) hash.update(chunk.subarray(0, n));
  } catch (e) {
    throw fileError(e, path, 'file');
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function readFileOrThrow(path: string, what: string): Uint8Array {
  try {
    return fs.readFileSync(path);
  } catch (e) {
    throw fileError(e, path, what);
  }
}

function fileError(e: unknown, path: string, what: string): DataError {
  const { code, reason } = describeReadFailure(e);
  if (code === 'ENOENT') return new DataError(`${what} not found: ${path}`, { path });
  if (code === 'EISDIR') return new DataError(`${what} path is a directory, expected a file: ${path}`, { path });
  return new DataError(`cannot read ${what} ${path}: ${reason}`, { path, code });
}
