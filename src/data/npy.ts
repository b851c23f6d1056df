/**
 * Reader and writer for NumPy's `.npy` format (versions 1.0, 2.0 and 3.0), restricted to what
 * Gauntlet needs: little-endian, C-ordered arrays of a few numeric dtypes. Everything else
 * (big-endian, Fortran order, object/structured/string dtypes, inconsistent sizes) is rejected
 * with a DataError before any large allocation happens.
 *
 * Format reference: numpy/lib/format.py ("NEP 1").
 */
import { DataError } from '../errors';
import { floatToHalfBits, halfBitsToFloat } from './float16';
import { describePyLiteral, parsePyLiteral, PyLiteral } from './pyliteral';

/** Element types Gauntlet reads and writes. */
export type NpyDType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'int8' | 'bool' | 'float16';

/** Backing storage of an NdArray; which one goes with which dtype is fixed by `dataTypeFor`. */
export type NdArrayData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;

/**
 * A dense, C-ordered n-dimensional array. `data.length` equals the product of `shape`
 * (1 for a 0-d scalar). Storage per dtype: float32 and float16 → Float32Array (float16 values
 * are widened on read and rounded on write), float64 → Float64Array, int64 → BigInt64Array,
 * int32 → Int32Array, uint8 and bool (0/1) → Uint8Array, int8 → Int8Array.
 */
export interface NdArray {
  dtype: NpyDType;
  shape: number[];
  data: NdArrayData;
}

/** Largest element count accepted in one array. */
export const MAX_ELEMENTS = 2 ** 31;
/** Largest header accepted, as in numpy's own `max_header_size` default. */
export const MAX_HEADER_BYTES = 10_000;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const HEADER_ALIGN = 64;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface DTypeInfo {
  /** Kind letter and item size as they appear in a descr, e.g. 'f4'. */
  code: string;
  itemSize: number;
  storage: new (length: number) => NdArrayData;
}

const DTYPES: Record<NpyDType, DTypeInfo> = {
  float32: { code: 'f4', itemSize: 4, storage: Float32Array },
  float64: { code: 'f8', itemSize: 8, storage: Float64Array },
  int64: { code: 'i8', itemSize: 8, storage: BigInt64Array },
  int32: { code: 'i4', itemSize: 4, storage: Int32Array },
  uint8: { code: 'u1', itemSize: 1, storage: Uint8Array },
  int8: { code: 'i1', itemSize: 1, storage: Int8Array },
  bool: { code: 'b1', itemSize: 1, storage: Uint8Array },
  float16: { code: 'f2', itemSize: 2, storage: Float32Array },
};

const DTYPE_BY_CODE = new Map(Object.entries(DTYPES).map(([name, info]) => [info.code, name as NpyDType]));

/** The typed-array constructor that backs `dtype` (see NdArray). */
export function dataTypeFor(dtype: NpyDType): new (length: number) => NdArrayData {
  return DTYPES[dtype].storage;
}

/** Bytes per element of `dtype` in an NPY file. */
export function itemSizeOf(dtype: NpyDType): number {
  return DTYPES[dtype].itemSize;
}

/** Formats a shape for messages, e.g. `[2, 3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks that every dimension is a non-negative integer and that the element count is at
 * most MAX_ELEMENTS, and returns that count. `what` names the array in error messages.
 * @throws DataError on the first bad dimension or an absurd total.
 */
export function checkedElementCount(shape: readonly unknown[], what: string): number {
  let count = 1;
  for (const [axis, dim] of shape.entries()) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw new DataError(`${what}: expected shape dimensions to be non-negative integers, found ${String(dim)} at axis ${axis}`);
    }
    count *= dim;
    if (count > MAX_ELEMENTS) {
      throw new DataError(`${what}: shape ${formatShape(shape as number[])} has more than 2^31 elements`);
    }
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// Reading

interface NpyHeader {
  dtype: NpyDType;
  shape: number[];
  /** Byte offset of the array data. */
  dataOffset: number;
}

/**
 * Parses one `.npy` file.
 * @param bytes The whole file; any byteOffset is fine (data is copied into aligned storage).
 * @returns A fresh NdArray that does not share memory with `bytes`.
 * @throws DataError when the file is not a well-formed little-endian C-ordered NPY of a supported dtype.
 */
export function parseNpy(bytes: Uint8Array): NdArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new DataError(`parseNpy: expected a Uint8Array, found ${describeValue(bytes)}`);
  }
  const header = readHeader(bytes);
  const count = checkedElementCount(header.shape, 'NPY header');
  const itemSize = DTYPES[header.dtype].itemSize;
  const expected = count * itemSize;
  const available = bytes.length - header.dataOffset;
  if (available !== expected) {
    const problem = available < expected ? 'file is truncated' : 'file has trailing bytes';
    throw new DataError(
      `NPY data size mismatch (${problem}): header declares ${header.dtype} ${formatShape(header.shape)} = ` +
        `${expected} bytes, found ${available} bytes after the header`,
      { expectedBytes: expected, foundBytes: available },
    );
  }
  const data = decodeData(bytes.subarray(header.dataOffset), header.dtype, count);
  return { dtype: header.dtype, shape: header.shape, data };
}

/** Reads magic, version and header dict; returns dtype, shape and where the data starts. */
function readHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < MAGIC.length + 2 || MAGIC.some((b, i) => bytes[i] !== b)) {
    const hint = bytes[0] === 0x50 && bytes[1] === 0x4b ? ' (this looks like a zip/.npz archive)' : '';
    throw new DataError(`not an NPY file: expected magic bytes 93 4E 55 4D 50 59 ("\\x93NUMPY"), found ${hexPrefix(bytes, 8)}${hint}`);
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (minor !== 0 || major < 1 || major > 3) {
    throw new DataError(`unsupported NPY format version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  }
  const lengthBytes = major === 1 ? 2 : 4;
  const headerStart = 8 + lengthBytes;
  if (bytes.length < headerStart) {
    throw new DataError(`NPY file is truncated: ${bytes.length} bytes, too short for the version ${major}.0 preamble`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) {
    throw new DataError(`NPY header declares ${headerLength} bytes, more than the ${MAX_HEADER_BYTES} accepted`);
  }
  const dataOffset = headerStart + headerLength;
  if (bytes.length < dataOffset) {
    throw new DataError(`NPY file is truncated: header declares ${headerLength} bytes but only ${bytes.length - headerStart} follow the preamble`);
  }
  const text = decodeHeaderText(bytes.subarray(headerStart, dataOffset), major);
  return { ...interpretHeader(parsePyLiteral(text)), dataOffset };
}

function decodeHeaderText(raw: Uint8Array, major: number): string {
  // Versions 1 and 2 are latin1; version 3 is UTF-8.
  if (major < 3) return new TextDecoder('latin1').decode(raw);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new DataError('NPY version 3.0 header is not valid UTF-8');
  }
}

/** Validates the header dict: exactly descr, fortran_order and shape, with supported values. */
function interpretHeader(literal: PyLiteral): { dtype: NpyDType; shape: number[] } {
  if (literal.kind !== 'dict') {
    throw new DataError(`NPY header: expected a dict, found a ${describePyLiteral(literal)}`);
  }
  const keys = [...literal.entries.keys()].sort();
  if (keys.join() !== 'descr,fortran_order,shape') {
    throw new DataError(
      `NPY header: expected exactly the keys 'descr', 'fortran_order', 'shape', found ${keys.map((k) => `'${k}'`).join(', ') || 'none'}`,
    );
  }
  const fortran = literal.entries.get('fortran_order')!;
  if (fortran.kind !== 'bool') {
    throw new DataError(`NPY header: expected fortran_order to be True or False, found a ${describePyLiteral(fortran)}`);
  }
  if (fortran.value) {
    throw new DataError('NPY array is in Fortran (column-major) order; only C order is supported (save with np.ascontiguousarray)');
  }
  return { dtype: interpretDescr(literal.entries.get('descr')!), shape: interpretShape(literal.entries.get('shape')!) };
}

function interpretShape(shape: PyLiteral): number[] {
  if (shape.kind !== 'tuple') {
    throw new DataError(`NPY header: expected shape to be a tuple of integers, found a ${describePyLiteral(shape)}`);
  }
  return shape.items.map((item, axis) => {
    if (item.kind !== 'int') {
      throw new DataError(`NPY header: expected shape entries to be integers, found a ${describePyLiteral(item)} at axis ${axis}`);
    }
    return item.value;
  });
}

/** Maps a descr string such as '<f4' or '|u1' to a dtype, rejecting everything unsupported. */
function interpretDescr(descr: PyLiteral): NpyDType {
  if (descr.kind === 'list') {
    throw new DataError('NPY array has a structured (record) dtype; only plain numeric dtypes are supported');
  }
  if (descr.kind !== 'str') {
    throw new DataError(`NPY header: expected descr to be a string, found a ${describePyLiteral(descr)}`);
  }
  const text = descr.value;
  if (/^[<>|=]?O\d*$/.test(text)) {
    throw new DataError(`NPY array has dtype object ('${text}', pickled Python objects); only numeric dtypes are supported`);
  }
  const match = /^([<>|=]?)([a-zA-Z]\d+)$/.exec(text);
  const dtype = match ? DTYPE_BY_CODE.get(match[2]!) : undefined;
  if (!match || !dtype) {
    throw new DataError(`unsupported NPY dtype '${text}' (supported: ${supportedDescrs()})`);
  }
  const order = match[1];
  if (DTYPES[dtype].itemSize > 1 && order !== '<') {
    const found = order === '>' ? 'big-endian' : `byte order '${order}'`;
    throw new DataError(`NPY array is ${found} ('${text}'); only little-endian ('<') data is supported (convert with arr.astype('<${match[2]}'))`);
  }
  return dtype;
}

function supportedDescrs(): string {
  return Object.entries(DTYPES)
    .map(([name, info]) => `${info.itemSize > 1 ? '<' : '|'}${info.code} (${name})`)
    .join(', ');
}

/** Copies little-endian element bytes into a fresh, aligned typed array. */
function decodeData(raw: Uint8Array, dtype: NpyDType, count: number): NdArrayData {
  const itemSize = DTYPES[dtype].itemSize;
  const copy = new Uint8Array(count * itemSize);
  copy.set(raw.subarray(0, copy.length));
  if (!HOST_LITTLE_ENDIAN) swapBytes(copy, itemSize);
  switch (dtype) {
    case 'float16':
      return widenHalf(new Uint16Array(copy.buffer));
    case 'bool':
      checkBoolBytes(copy);
      return copy;
    default: {
      const Storage = DTYPES[dtype].storage as unknown as new (buffer: ArrayBuffer) => NdArrayData;
      return new Storage(copy.buffer);
    }
  }
}

function widenHalf(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfBitsToFloat(bits[i]!);
  return out;
}

function checkBoolBytes(bytes: Uint8Array): void {
  const bad = bytes.findIndex((b) => b > 1);
  if (bad >= 0) {
    throw new DataError(`NPY bool array: expected bytes 0 or 1, found ${bytes[bad]} at element ${bad}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Serialises an array as NPY version 1.0 (2.0 if the header would not fit), the same bytes
 * `np.save` produces for C-ordered little-endian data. Bool values are written as 0/1
 * (any non-zero byte counts as true); float16 values are rounded to nearest, ties to even.
 * @throws DataError when dtype, shape and data do not agree.
 */
export function encodeNpy(a: NdArray): Uint8Array {
  checkArray(a);
  const header = buildHeader(a);
  const body = encodeData(a);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/** Verifies that `a` is an NdArray whose storage, dtype and shape agree. */
function checkArray(a: NdArray): void {
  if (typeof a !== 'object' || a === null || !Object.hasOwn(DTYPES, a.dtype)) {
    throw new DataError(`encodeNpy: expected an NdArray with a dtype among ${Object.keys(DTYPES).join(', ')}, found ${describeValue(a?.dtype)}`);
  }
  if (!Array.isArray(a.shape)) {
    throw new DataError(`encodeNpy: expected shape to be an array of integers, found ${describeValue(a.shape)}`);
  }
  const count = checkedElementCount(a.shape, 'encodeNpy');
  const Storage = DTYPES[a.dtype].storage;
  if (!(a.data instanceof Storage)) {
    throw new DataError(`encodeNpy: dtype ${a.dtype} must be stored in a ${Storage.name}, found ${describeValue(a.data)}`);
  }
  if (a.data.length !== count) {
    throw new DataError(`encodeNpy: shape ${formatShape(a.shape)} has ${count} elements but data has ${a.data.length}`);
  }
}

function buildHeader(a: NdArray): Uint8Array {
  const info = DTYPES[a.dtype];
  const descr = `${info.itemSize > 1 ? '<' : '|'}${info.code}`;
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const major = 8 + 2 + dict.length + 1 <= 0xffff ? 1 : 2;
  const preamble = major === 1 ? 10 : 12;
  const padded = Math.ceil((preamble + dict.length + 1) / HEADER_ALIGN) * HEADER_ALIGN;
  const text = dict.padEnd(padded - preamble - 1, ' ') + '\n';
  const out = new Uint8Array(padded);
  out.set(MAGIC);
  out[6] = major;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[preamble + i] = text.charCodeAt(i);
  return out;
}

function encodeData(a: NdArray): Uint8Array {
  if (a.dtype === 'float16') return halfBytes(a.data as Float32Array);
  if (a.dtype === 'bool') return (a.data as Uint8Array).map((v) => (v ? 1 : 0));
  const bytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  if (HOST_LITTLE_ENDIAN) return bytes; // copied by the caller
  const swapped = bytes.slice();
  swapBytes(swapped, DTYPES[a.dtype].itemSize);
  return swapped;
}

function halfBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const h = floatToHalfBits(values[i]!);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >> 8;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Reverses the byte order of every `itemSize`-byte element in place (big-endian hosts only). */
function swapBytes(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  for (let i = 0; i < bytes.length; i += itemSize) bytes.subarray(i, i + itemSize).reverse();
}

function hexPrefix(bytes: Uint8Array, n: number): string {
  if (bytes.length === 0) return 'an empty file';
  const hex = Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(' ');
  return bytes.length > n ? `${hex} …` : hex;
}

/** A short description of an arbitrary value, for "found …" in messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${v.constructor?.name ?? 'no prototype'})`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 40))}`;
  return `${typeof v} ${String(v)}`;
}
