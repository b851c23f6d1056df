/** Gauntlet IR → ModelProto bytes. Tensors are always written as raw_data (strings as string_data). */
import { ModelError } from '../errors';
import { onnx } from 'onnx-proto';
import { Attribute, Graph, Model, Node, TensorValue, ValueInfo } from './ir';
import { codeFromDtype } from './dtype';

const utf8 = new TextEncoder();

function tensorProto(name: string, t: TensorValue): onnx.ITensorProto {
  const base: onnx.ITensorProto = { name, dims: t.dims, dataType: codeFromDtype(t.dtype) };
  if (Array.isArray(t.data)) return { ...base, stringData: t.data.map((s) => utf8.encode(s)) };
  const d = t.data;
  return { ...base, rawData: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
}

function valueInfoProto(v: ValueInfo): onnx.IValueInfoProto {
  const tensorType: onnx.TypeProto.ITensor = { elemType: codeFromDtype(v.dtype) };
  if (v.shape) {
    tensorType.shape = {
      dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})),
    };
  }
  return { name: v.name, type: { tensorType } };
}

function attributeProto(name: string, a: Attribute): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'float': return { name, type: T.FLOAT, f: a.value };
    case 'int': return { name, type: T.INT, i: a.value };
    case 'string': return { name, type: T.STRING, s: utf8.encode(a.value) };
    case 'tensor': return { name, type: T.TENSOR, t: tensorProto('', a.value) };
    case 'graph': return { name, type: T.GRAPH, g: graphProto(a.value) };
    case 'floats': return { name, type: T.FLOATS, floats: a.value };
    case 'ints': return { name, type: T.INTS, ints: a.value };
    case 'strings': return { name, type: T.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'unsupported': throw new ModelError(`cannot encode attribute '${name}' of unsupported proto type ${a.protoType}; Gauntlet accepts float, int, string, tensor, graph and their lists`);
  }
}

function nodeProto(n: Node): onnx.INodeProto {
  return {
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: n.inputs,
    output: n.outputs,
    attribute: [...n.attributes].map(([k, a]) => attributeProto(k, a)),
  };
}

function graphProto(g: Graph, untypedOutputs = false): onnx.IGraphProto {
  return {
    name: g.name,
    node: g.nodes.map(nodeProto),
    input: g.inputs.map(valueInfoProto),
    output: g.outputs.map((v) => (untypedOutputs ? { name: v.name } : valueInfoProto(v))),
    initializer: [...g.initializers].map(([k, t]) => tensorProto(k, t)),
    valueInfo: [...g.valueInfo.values()].map(valueInfoProto),
  };
}

export interface EncodeOptions {
  /** Write the main graph's outputs without types (ONNX Runtime infers them; used by the shape probe). */
  untypedOutputs?: boolean;
}

/** Serialises a model to ONNX protobuf bytes. */
export function encodeModel(model: Model, opts: EncodeOptions = {}): Uint8Array {
  const proto: onnx.IModelProto = {
    irVersion: model.irVersion,
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    opsetImport: [...model.opsetImports].map(([domain, version]) => ({ domain, version })),
    graph: graphProto(model.graph, opts.untypedOutputs),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(proto)).finish();
}
