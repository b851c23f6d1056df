/**
 * Gauntlet's typed in-memory form of an ONNX model. Decoded from ModelProto by
 * `decodeModel`, written back by `encodeModel`; everything else (canonicalisation,
 * autodiff, the shape probe) works on these plain objects, never on protobuf messages.
 */
import { InternalError } from '../errors';

/** Element types Gauntlet can hold in memory. */
export type DType =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool' | 'string';

export type TensorData =
  | Float32Array | Float64Array
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array
  | string[];

/** A constant tensor (initializer, Constant node value, tensor attribute). float16/bfloat16 are raw Uint16Array bits; bool is Uint8Array. */
export interface TensorValue {
  dtype: DType;
  dims: number[];
  data: TensorData;
}

/** One dimension of a declared shape: a size, a symbolic name, or unknown. */
export type Dim = number | string | null;

/** A named, typed value (graph input, output or intermediate). `shape` undefined = unknown rank. */
export interface ValueInfo {
  name: string;
  dtype: DType;
  shape?: Dim[];
}

export type Attribute =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: TensorValue }
  | { type: 'graph'; value: Graph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'unsupported'; protoType: number };

export interface Node {
  name: string;
  opType: string;
  /** '' for the default ai.onnx domain. */
  domain: string;
  /** Input value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Map<string, Attribute>;
}

export interface Graph {
  name: string;
  nodes: Node[];
  /** Graph inputs that are NOT initializers (IR < 4 files list initializers as inputs too; decode drops those). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, TensorValue>;
  /** Declared intermediate value infos, by name. */
  valueInfo: Map<string, ValueInfo>;
}

export interface Model {
  irVersion: number;
  /** Opset version per domain ('' is ai.onnx). */
  opsetImports: Map<string, number>;
  producerName: string;
  producerVersion: string;
  graph: Graph;
}

/** The ai.onnx opset a model imports ('' or 'ai.onnx' domain). */
export function defaultOpset(model: Model): number {
  return model.opsetImports.get('') ?? model.opsetImports.get('ai.onnx') ?? 1;
}

/** Bytes per element of a dtype (strings: 0, they are not fixed-size). */
export function itemSize(dtype: DType): number {
  switch (dtype) {
    case 'float64': case 'int64': case 'uint64': return 8;
    case 'float32': case 'int32': case 'uint32': return 4;
    case 'float16': case 'bfloat16': case 'int16': case 'uint16': return 2;
    case 'int8': case 'uint8': case 'bool': return 1;
    case 'string': return 0;
  }
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** Number of elements of a shape (1 for a scalar). */
export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Allocates a zeroed typed array for dtype. */
export function allocate(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'float16': case 'bfloat16': case 'uint16': return new Uint16Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
    case 'int16': return new Int16Array(n);
    case 'int32': return new Int32Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'uint64': return new BigUint64Array(n);
    case 'string': return new Array<string>(n).fill('');
  }
}

/** Reads element i of a numeric tensor as a JS number. */
export function elementAsNumber(t: TensorValue, i: number): number {
  const v = t.data[i];
  return typeof v === 'bigint' ? Number(v) : Number(v);
}

/** All elements of a numeric tensor as JS numbers (for small constant tensors: shapes, axes, pads). */
export function tensorToNumbers(t: TensorValue): number[] {
  const out: number[] = [];
  for (let i = 0; i < t.data.length; i++) out.push(elementAsNumber(t, i));
  return out;
}

/** Builds a tensor from numbers. */
export function tensorFromNumbers(dtype: DType, dims: number[], values: readonly number[]): TensorValue {
  const data = allocate(dtype, values.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    values.forEach((v, i) => ((data as BigInt64Array)[i] = BigInt(Math.trunc(v))));
  } else if (Array.isArray(data)) {
    throw new InternalError('tensorFromNumbers: string tensors are not numeric');
  } else {
    (data as Float64Array).set(values);
  }
  return { dtype, dims, data };
}

/** Creates an empty graph. */
export function emptyGraph(name = 'graph'): Graph {
  return { name, nodes: [], inputs: [], outputs: [], initializers: new Map(), valueInfo: new Map() };
}

/** Attribute accessors with defaults, used by canonicalisation and gradient rules. */
export function attrInt(node: Node, name: string, dflt: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, dflt?: number): number | undefined {
  const a = node.attributes.get(name);
  return a && a.type === 'int' ? a.value : dflt;
}
export function attrFloat(node: Node, name: string, dflt: number): number;
export function attrFloat(node: Node, name: string): number | undefined;
export function attrFloat(node: Node, name: string, dflt?: number): number | undefined {
  const a = node.attributes.get(name);
  if (!a) return dflt;
  if (a.type === 'float' || a.type === 'int') return a.value;
  return dflt;
}
export function attrInts(node: Node, name: string, dflt: number[]): number[];
export function attrInts(node: Node, name: string): number[] | undefined;
export function attrInts(node: Node, name: string, dflt?: number[]): number[] | undefined {
  const a = node.attributes.get(name);
  return a && a.type === 'ints' ? a.value : dflt;
}
export function attrFloats(node: Node, name: string): number[] | undefined {
  const a = node.attributes.get(name);
  return a && a.type === 'floats' ? a.value : undefined;
}
export function attrString(node: Node, name: string, dflt: string): string;
export function attrString(node: Node, name: string): string | undefined;
export function attrString(node: Node, name: string, dflt?: string): string | undefined {
  const a = node.attributes.get(name);
  return a && a.type === 'string' ? a.value : dflt;
}
export function attrTensor(node: Node, name: string): TensorValue | undefined {
  const a = node.attributes.get(name);
  return a && a.type === 'tensor' ? a.value : undefined;
}
