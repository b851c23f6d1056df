/**
 * Generators of uploads that are small on disk and huge once run or decoded (issue 12): models
 * whose weights are created at run time (ConstantOfShape/Expand feeding a MatMul chain), a
 * ModelProto of millions of empty nodes or one-byte int64 values, and a zip-bomb .npz. Built with
 * the project's own encoders, so no binary is committed.
 */
import { crc32, deflateRawSync, constants as zc } from 'node:zlib';
import { encodeModel } from '../../src/onnx/encode';
import { emptyGraph, Model, Node, tensorFromNumbers } from '../../src/onnx/ir';

function node(opType: string, inputs: string[], outputs: string[], attrs: [string, Node['attributes'] extends Map<string, infer A> ? A : never][] = []): Node {
  return { name: outputs[0], opType, domain: '', inputs, outputs, attributes: new Map(attrs) };
}

/**
 * x [N, width] → MatMul with a width×width matrix that ConstantOfShape creates at run time, `depth`
 * times → Gemm to `classes` logits. The file is a few KB; the weights are width² floats each
 * (width 16384: 1 GiB), and one sample costs 2·width²·depth FLOPs.
 */
export function runtimeWeightsModel(width: number, depth = 4, classes = 10): Uint8Array {
  const g = emptyGraph('runtime_weights');
  g.inputs.push({ name: 'x', dtype: 'float32', shape: ['N', width] });
  g.initializers.set('wshape', tensorFromNumbers('int64', [2], [width, width]));
  g.initializers.set('head', tensorFromNumbers('float32', [width, classes], new Array(width * classes).fill(0.01)));
  const small = { type: 'tensor' as const, value: tensorFromNumbers('float32', [1], [1e-3]) };
  g.nodes.push(node('ConstantOfShape', ['wshape'], ['w'], [['value', small]]));
  let h = 'x';
  for (let i = 0; i < depth; i++) {
    g.nodes.push(node('MatMul', [h, 'w'], [`h${i}`]));
    h = `h${i}`;
  }
  g.nodes.push(node('MatMul', [h, 'head'], ['logits']));
  g.outputs.push({ name: 'logits', dtype: 'float32', shape: ['N', classes] });
  const m: Model = { irVersion: 8, opsetImports: new Map([['', 17]]), producerName: 'hostile', producerVersion: '1', graph: g };
  return encodeModel(m);
}

/**
 * x [N, width] → Expand to [width, width] (a per-sample batch of rows) → MatMul with a
 * ConstantOfShape width×width matrix: 2·width³ FLOPs per sample from a file of a few hundred bytes.
 */
export function cubicFlopsModel(width: number, classes = 10): Uint8Array {
  const g = emptyGraph('cubic_flops');
  g.inputs.push({ name: 'x', dtype: 'float32', shape: [1, width] });
  g.initializers.set('wshape', tensorFromNumbers('int64', [2], [width, width]));
  g.initializers.set('head', tensorFromNumbers('float32', [width, classes], new Array(width * classes).fill(0.01)));
  const small = { type: 'tensor' as const, value: tensorFromNumbers('float32', [1], [1e-3]) };
  g.nodes.push(node('ConstantOfShape', ['wshape'], ['w'], [['value', small]]));
  g.nodes.push(node('Expand', ['x', 'wshape'], ['rows']));
  g.nodes.push(node('MatMul', ['rows', 'w'], ['h']));
  g.nodes.push(node('ReduceSum', ['h'], ['s'], [['axes', { type: 'ints', value: [0] }], ['keepdims', { type: 'int', value: 1 }]]));
  g.nodes.push(node('MatMul', ['s', 'head'], ['logits']));
  g.outputs.push({ name: 'logits', dtype: 'float32', shape: [1, classes] });
  return encodeModel({ irVersion: 8, opsetImports: new Map([['', 17]]), producerName: 'hostile', producerVersion: '1', graph: g });
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) { out.push((n % 128) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}

/** A ModelProto (opset 17) whose graph payload is `payload` (already field-tagged bytes). */
function modelWithGraphPayload(payload: Uint8Array): Uint8Array {
  const head = [0x08, 8, 0x42, 2, 0x10, 17, 0x3a, ...varint(payload.length)];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** A ModelProto of `bytes` bytes whose graph holds (bytes/2) empty NodeProtos. */
export function emptyNodesModel(bytes: number): Uint8Array {
  const n = Math.floor(bytes / 2);
  const payload = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) payload[2 * i] = 0x0a; // field 1 (node), length 0
  return modelWithGraphPayload(payload);
}

/** A ModelProto of about `bytes` bytes: one int64 initializer whose packed int64_data holds one-byte values. */
export function packedInt64Model(bytes: number): Uint8Array {
  const values = new Uint8Array(bytes); // each zero byte is one varint 0
  const tensor = [0x08, ...varint(bytes), 0x10, 7, 0x3a, ...varint(bytes)]; // dims [bytes], data_type INT64, int64_data (7) packed
  const init = new Uint8Array(tensor.length + values.length);
  init.set(tensor);
  init.set(values, tensor.length);
  const field = [0x2a, ...varint(init.length)]; // graph.initializer (5)
  const payload = new Uint8Array(field.length + init.length);
  payload.set(field);
  payload.set(init, field.length);
  return modelWithGraphPayload(payload);
}

/** A ModelProto of about `bytes` bytes: one string initializer of (bytes/2) empty string_data entries. */
export function emptyStringsModel(bytes: number): Uint8Array {
  const n = Math.floor(bytes / 2);
  const head = [0x08, ...varint(n), 0x10, 8]; // dims [n], data_type STRING
  const init = new Uint8Array(head.length + 2 * n);
  init.set(head);
  for (let i = 0; i < n; i++) init[head.length + 2 * i] = 0x32; // string_data (6), length 0
  const field = [0x2a, ...varint(init.length)];
  const payload = new Uint8Array(field.length + init.length);
  payload.set(field);
  payload.set(init, field.length);
  return modelWithGraphPayload(payload);
}

/** A .npy v1 header for `descr` and `shape`, padded to 64 bytes as numpy writes it. */
function npyHeader(descr: string, shape: number[]): Uint8Array {
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out[8] = dict.length & 0xff;
  out[9] = dict.length >> 8;
  out.set(Buffer.from(dict, 'latin1'), 10);
  return out;
}

/**
 * A zip-bomb evaluation set: 'x.npy' is a uint8 array of n × sample zeros (deflated ~1000:1, so
 * n × sample bytes inflate from about a thousandth of that), 'y.npy' n int64 labels. Deflate
 * blocks of zeros are repeated rather than compressed whole, so building it costs little.
 */
export function zipBombNpz(n: number, sample: number[]): Uint8Array {
  const chunk = 1 << 20;
  const count = n * sample.reduce((a, b) => a * b, 1);
  const header = npyHeader('|u1', [n, ...sample]);
  if (count % chunk !== 0) throw new Error('zipBombNpz: n × sample must be a multiple of 1 MiB');
  const zeros = Buffer.alloc(chunk);
  const flush = { finishFlush: zc.Z_SYNC_FLUSH };
  const parts: Buffer[] = [deflateRawSync(header, flush)];
  const block = deflateRawSync(zeros, flush);
  let crc = crc32(header);
  for (let i = 0; i < count / chunk; i++) { parts.push(block); crc = crc32(zeros, crc); }
  parts.push(Buffer.from([0x03, 0x00])); // final empty fixed-Huffman block
  const x = { name: 'x.npy', data: Buffer.concat(parts), size: header.length + count, crc, method: 8 };
  const yRaw = Buffer.concat([npyHeader('<i8', [n]), Buffer.alloc(8 * n)]);
  const y = { name: 'y.npy', data: yRaw, size: yRaw.length, crc: crc32(yRaw), method: 0 };
  return zip([x, y]);
}

interface Member { name: string; data: Buffer; size: number; crc: number; method: number }

/** A minimal zip archive of `members` (no zip64: sizes under 4 GiB). */
function zip(members: Member[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(m.method, 8);
    local.writeUInt32LE(m.crc >>> 0, 14); local.writeUInt32LE(m.data.length, 18); local.writeUInt32LE(m.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(m.method, 10);
    central.writeUInt32LE(m.crc >>> 0, 16); central.writeUInt32LE(m.data.length, 20); central.writeUInt32LE(m.size, 24);
    central.writeUInt16LE(name.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, name, m.data);
    centrals.push(central, name);
    offset += local.length + name.length + m.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(members.length, 8); end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, end]));
}
