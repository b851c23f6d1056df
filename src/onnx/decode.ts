/**
 * ModelProto bytes → Gauntlet IR, treating the file as hostile: malformed protobuf,
 * external data (Gauntlet never opens a path a model names), absurd sizes and
 * inconsistent tensor payloads all raise ModelError.
 */
import { onnx } from 'onnx-proto';
import Long from 'long';
import { ModelError } from '../errors';
import {
  Attribute, Dim, DType, Graph, Model, Node, TensorData, TensorValue, ValueInfo,
  allocate, itemSize, numel,
} from './ir';
import { dtypeFromCode } from './dtype';
import { DEFAULT_LIMITS, DecodeLimits } from './limits';
import { prescanModel } from './prescan';

const EXTERNAL = 1;

function num(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return Long.isLong(v) ? (v as Long).toNumber() : (v as number);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

class Decoder {
  private nodes = 0;
  private tensorBytes = 0;
  constructor(private readonly limits: DecodeLimits) {}

  model(bytes: Uint8Array): Model {
    if (bytes.byteLength > this.limits.maxFileBytes) {
      throw new ModelError(`model file is ${bytes.byteLength} bytes; the limit is ${this.limits.maxFileBytes}`);
    }
    // Node counts and the decoded size are bounded before protobufjs materialises anything.
    prescanModel(bytes, this.limits);
    let proto: onnx.ModelProto;
    try {
      proto = onnx.ModelProto.decode(bytes);
    } catch (e) {
      throw new ModelError(`not a valid ONNX model (protobuf decoding failed: ${(e as Error).message})`);
    }
    if (!proto.graph) throw new ModelError('not a valid ONNX model: it has no graph');
    const opsetImports = new Map<string, number>();
    for (const o of proto.opsetImport ?? []) opsetImports.set(o.domain ?? '', num(o.version));
    if (opsetImports.size === 0) throw new ModelError('not a valid ONNX model: it imports no opset');
    return {
      irVersion: num(proto.irVersion),
      opsetImports,
      producerName: proto.producerName ?? '',
      producerVersion: proto.producerVersion ?? '',
      graph: this.graph(proto.graph, 0),
    };
  }

  graph(g: onnx.IGraphProto, depth: number): Graph {
    if (depth > this.limits.maxGraphDepth) throw new ModelError(`subgraphs nested deeper than ${this.limits.maxGraphDepth}`);
    const initializers = new Map<string, TensorValue>();
    for (const t of g.initializer ?? []) initializers.set(t.name ?? '', this.tensor(t, `initializer '${t.name}'`));
    if ((g.sparseInitializer ?? []).length > 0) throw new ModelError('sparse initializers are not supported');
    const nodes = (g.node ?? []).map((n, i) => this.node(n, i, depth));
    const valueInfo = new Map<string, ValueInfo>();
    for (const v of g.valueInfo ?? []) {
      const vi = this.valueInfo(v);
      if (vi) valueInfo.set(vi.name, vi);
    }
    return {
      name: g.name ?? 'graph',
      nodes,
      // IR < 4 lists initializers among the inputs: those are constants, not data inputs.
      inputs: (g.input ?? [])
        .filter((v) => !initializers.has(v.name ?? ''))
        .map((v) => this.typedValue(v, 'input')),
      outputs: (g.output ?? []).map((v) => this.typedValue(v, 'output')),
      initializers,
      valueInfo,
    };
  }

  private typedValue(v: onnx.IValueInfoProto, role: string): ValueInfo {
    const vi = this.valueInfo(v);
    if (!vi) throw new ModelError(`graph ${role} '${v.name}' has no tensor type`);
    return vi;
  }

  private valueInfo(v: onnx.IValueInfoProto): ValueInfo | undefined {
    const tt = v.type?.tensorType;
    if (!tt) return undefined;
    const dtype = dtypeFromCode(tt.elemType ?? 0);
    if (!dtype) {
      if (tt.elemType === 0) return undefined;
      throw new ModelError(`value '${v.name}' has unsupported element type code ${tt.elemType}`);
    }
    let shape: Dim[] | undefined;
    if (tt.shape) {
      shape = (tt.shape.dim ?? []).map((d): Dim => {
        const which = (d as onnx.TensorShapeProto.Dimension).value;
        if (which === 'dimParam') return d.dimParam || null;
        if (which !== 'dimValue') return null;
        const n = num(d.dimValue);
        if (n < 0 || n > this.limits.maxDim || !Number.isInteger(n)) {
          throw new ModelError(`value '${v.name}' declares dimension ${n}, outside [0, ${this.limits.maxDim}]`);
        }
        return n;
      });
    }
    return { name: v.name ?? '', dtype, shape };
  }

  private node(n: onnx.INodeProto, index: number, depth: number): Node {
    if (++this.nodes > this.limits.maxNodes) throw new ModelError(`more than ${this.limits.maxNodes} nodes`);
    const name = n.name || `${n.opType ?? 'node'}_${index}`;
    const attributes = new Map<string, Attribute>();
    for (const a of n.attribute ?? []) {
      attributes.set(a.name ?? '', this.attribute(a, name, depth));
    }
    return {
      name,
      opType: n.opType ?? '',
      domain: n.domain === 'ai.onnx' ? '' : n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attributes,
    };
  }

  private attribute(a: onnx.IAttributeProto, nodeName: string, depth: number): Attribute {
    if (a.refAttrName) throw new ModelError(`node '${nodeName}': attribute references (functions) are not supported`);
    const T = onnx.AttributeProto.AttributeType;
    switch (a.type) {
      case T.FLOAT: return { type: 'float', value: a.f ?? 0 };
      case T.INT: return { type: 'int', value: num(a.i) };
      case T.STRING: return { type: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
      case T.TENSOR: return { type: 'tensor', value: this.tensor(a.t ?? {}, `attribute '${a.name}' of node '${nodeName}'`) };
      case T.GRAPH: return { type: 'graph', value: this.graph(a.g ?? {}, depth + 1) };
      case T.FLOATS: return { type: 'floats', value: [...(a.floats ?? [])] };
      case T.INTS: return { type: 'ints', value: (a.ints ?? []).map(num) };
      case T.STRINGS: return { type: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
      default: return { type: 'unsupported', protoType: a.type ?? 0 };
    }
  }

  tensor(t: onnx.ITensorProto, what: string): TensorValue {
    if (t.dataLocation === EXTERNAL || (t.externalData ?? []).length > 0) {
      throw new ModelError(
        `${what} stores its data in an external file; Gauntlet only accepts self-contained models ` +
          '(re-save with all tensors inside the .onnx file, e.g. onnx.save(model, path, save_as_external_data=False))',
      );
    }
    if (t.segment) throw new ModelError(`${what} is segmented; segmented tensors are not supported`);
    const dtype = dtypeFromCode(t.dataType ?? 0);
    if (!dtype) throw new ModelError(`${what} has unsupported data type code ${t.dataType}`);
    const dims = (t.dims ?? []).map(num);
    for (const d of dims) {
      if (!Number.isInteger(d) || d < 0 || d > this.limits.maxDim) {
        throw new ModelError(`${what} declares dimension ${d}, outside [0, ${this.limits.maxDim}]`);
      }
    }
    const n = numel(dims);
    if (n > this.limits.maxTensorElements) {
      throw new ModelError(`${what} declares ${n} elements; the limit is ${this.limits.maxTensorElements}`);
    }
    this.tensorBytes += n * itemSize(dtype);
    if (this.tensorBytes > this.limits.maxTotalTensorBytes) {
      throw new ModelError(`constant tensors exceed ${this.limits.maxTotalTensorBytes} bytes in total`);
    }
    return { dtype, dims, data: this.payload(t, dtype, n, what) };
  }

  private payload(t: onnx.ITensorProto, dtype: DType, n: number, what: string): TensorData {
    const mismatch = (found: number, field: string) =>
      new ModelError(`${what}: shape needs ${n} elements but ${field} holds ${found}`);
    if (dtype === 'string') {
      const s = t.stringData ?? [];
      if (s.length !== n) throw mismatch(s.length, 'string_data');
      return s.map((b) => utf8.decode(b));
    }
    const raw = t.rawData;
    if (raw && raw.byteLength > 0) {
      const size = itemSize(dtype);
      if (raw.byteLength !== n * size) throw mismatch(raw.byteLength / size, 'raw_data');
      const out = allocate(dtype, n) as Exclude<TensorData, string[]>;
      new Uint8Array(out.buffer).set(raw);
      return out;
    }
    const out = allocate(dtype, n);
    const fill = (src: ArrayLike<number | Long>, field: string, conv: (v: number | Long) => number | bigint) => {
      if (src.length !== n) throw mismatch(src.length, field);
      for (let i = 0; i < n; i++) (out as unknown as (number | bigint)[])[i] = conv(src[i]);
    };
    switch (dtype) {
      case 'float32': fill(t.floatData ?? [], 'float_data', (v) => v as number); break;
      case 'float64': fill(t.doubleData ?? [], 'double_data', (v) => v as number); break;
      case 'int64': fill(t.int64Data ?? [], 'int64_data', (v) => BigInt(Long.isLong(v) ? (v as Long).toString() : (v as number))); break;
      case 'uint64': fill(t.uint64Data ?? [], 'uint64_data', (v) => BigInt.asUintN(64, BigInt(Long.isLong(v) ? (v as Long).toString() : (v as number)))); break;
      case 'uint32': fill(t.uint64Data ?? [], 'uint64_data', num); break;
      default: fill(t.int32Data ?? [], 'int32_data', num); break; // int8/16/32, uint8/16, bool, float16/bfloat16 bits
    }
    return out;
  }
}

/** Decodes an ONNX model, enforcing `limits` (defaults in DEFAULT_LIMITS). */
export function decodeModel(bytes: Uint8Array, limits: Partial<DecodeLimits> = {}): Model {
  return new Decoder({ ...DEFAULT_LIMITS, ...limits }).model(bytes);
}

/** Decodes a single TensorProto (used by tests and .pb fixtures). */
export function decodeTensor(bytes: Uint8Array): TensorValue {
  return new Decoder(DEFAULT_LIMITS).tensor(onnx.TensorProto.decode(bytes), 'tensor');
}
