/**
 * Upload inspection in a child process: every hostile upload is rejected as an UploadRejected
 * carrying the underlying typed error, HTTP status, the upload it is about and a one-line reason;
 * a timed-out or crashed child becomes a ModelError, and the next inspection still works.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { DataError, GauntletError, ModelError, UnsupportedOpError, UsageError } from '../errors';
import { NdArray, readNpz, writeNpz } from '../data';
import { decodeModel } from '../onnx/decode';
import { encodeModel } from '../onnx/encode';
import { estimateCost } from '../onnx/cost';
import { Model as OnnxModel } from '../onnx/ir';
import { linearOnnx } from '../attacks/testing/linear-model';
import { randomLinear } from '../attacks/testing/random-linear';
import { BUNDLED_REFERENCES } from '../audit/integrity';
import { packageRoot } from '../util/entry';
import { heavyModel } from '../../test/model/synthetic';
import { InspectRequest, UploadField, UploadRejected, inspectUploads } from './inspect';
import { uploadFolder } from './testing/uploads';

const ROOT = packageRoot(__dirname);
const CNN = join(ROOT, 'fixtures', 'models', 'cnn.onnx');
const MNIST = join(ROOT, 'fixtures', 'data', 'mnist-eval.npz');
const { dir, upload, remove } = uploadFolder('gauntlet-inspect-');
afterAll(remove);

/** A 3-class linear model on 4 features (x [N, 4] → Gemm → [N, 3]) as IR, edited by `edit`. */
function linear(edit: (m: OnnxModel) => void = () => undefined): string {
  const m = decodeModel(linearOnnx(randomLinear(3, 3, 4)));
  edit(m);
  return upload(encodeModel(m), 'onnx');
}

/** An evaluation set for the MNIST CNN (x [n, 1, 28, 28] in [0, 1]), with its arrays replaced by `arrays`. */
function mnistLike(arrays: Record<string, NdArray> = {}, n = 2): string {
  const x: NdArray = { dtype: 'float32', shape: [n, 1, 28, 28], data: new Float32Array(n * 784).fill(0.5) };
  const y: NdArray = { dtype: 'int64', shape: [n], data: new BigInt64Array(n) };
  return upload(writeNpz({ x, y, ...arrays }), 'npz');
}

/** Runs an inspection expected to fail; checks the wrapper, the underlying error and returns it. */
async function rejected(
  r: Partial<InspectRequest>, type: new (...a: never[]) => GauntletError, field: UploadField, message: RegExp, status = 422,
): Promise<UploadRejected> {
  let caught: unknown;
  try {
    await inspectUploads({ modelPath: CNN, dataPath: null, reference: null, ...r });
  } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(UploadRejected);
  const e = caught as UploadRejected;
  expect(e.original).toBeInstanceOf(type);
  expect({ field: e.field, status: e.httpStatus, code: e.code }).toEqual({ field, status, code: e.original.code });
  expect(e.message).toMatch(message);
  expect(e.message).not.toMatch(/\n/);
  expect(e.message).not.toContain(dir); // server-side paths stay out of the reason
  return e;
}

describe('inspectUploads: hostile models', () => {
  it('when the ONNX file is truncated, then ModelError (422, model)', async () => {
    const cnn = readFileSync(CNN);
    await rejected({ modelPath: upload(cnn.subarray(0, cnn.length >> 1), 'onnx') }, ModelError, 'model', /not a valid ONNX model/);
  });

  it('when the file is garbage bytes, then ModelError', async () => {
    await rejected({ modelPath: upload(Uint8Array.from({ length: 256 }, (_, i) => (i * 37 + 11) & 0xff), 'onnx') }, ModelError, 'model', /not a valid ONNX model/);
  });

  it('when the upload is a PyTorch or Keras/HDF5 file, then ModelError names the format and points to the export guide', async () => {
    const pt = Buffer.from('PK\x03\x04\0\0\0\0\0\0archive/data.pkl', 'latin1');
    await rejected({ modelPath: upload(pt, 'onnx') }, ModelError, 'model', /the model is a PyTorch checkpoint .*not an ONNX model.*docs\/bring-your-own-model\.md/);
    const h5 = Buffer.from('\x89HDF\r\n\x1a\n\0\0\0\0', 'latin1');
    await rejected({ modelPath: upload(h5, 'onnx') }, ModelError, 'model', /Keras\/HDF5/);
  });

  it('when the file is empty, then ModelError says so', async () => {
    await rejected({ modelPath: upload(new Uint8Array(0), 'onnx') }, ModelError, 'model', /empty file/);
  });

  it('when the model file is larger than maxModelBytes, then 413', async () => {
    const e = await rejected({ maxModelBytes: 1000 }, ModelError, 'model', /the model file is \d+ bytes; the limit is 1000/, 413);
    expect(e.details).toMatchObject({ limit: 1000 });
  });

  it('when a tensor uses external data, then ModelError: only self-contained models', async () => {
    const bytes = readFileSync(linear());
    const proto = onnx.ModelProto.decode(bytes);
    const w = proto.graph!.initializer![0];
    w.rawData = new Uint8Array(0);
    w.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    w.externalData = [onnx.StringStringEntryProto.create({ key: 'location', value: '../../etc/shadow' })];
    await rejected({ modelPath: upload(onnx.ModelProto.encode(proto).finish(), 'onnx') }, ModelError, 'model', /external file/);
  });

  it('when a node uses a custom-op domain, then ModelError names the domain', async () => {
    const path = linear((m) => {
      m.opsetImports.set('com.evil', 1);
      m.graph.nodes.push({ name: 'bd', opType: 'Backdoor', domain: 'com.evil', inputs: ['scores'], outputs: ['z'], attributes: new Map() });
      m.graph.outputs = [{ name: 'z', dtype: 'float32', shape: ['N', 3] }];
    });
    await rejected({ modelPath: path }, ModelError, 'model', /com\.evil/);
  });

  it('when an op on the input→logits path has no gradient rule, then UnsupportedOpError names op and node', async () => {
    const path = linear((m) => {
      m.graph.nodes.push({ name: 'hm', opType: 'Hardmax', domain: '', inputs: ['scores'], outputs: ['z'], attributes: new Map() });
      m.graph.outputs = [{ name: 'z', dtype: 'float32', shape: ['N', 3] }];
    });
    const e = await rejected({ modelPath: path }, UnsupportedOpError, 'model', /no gradient rule for op Hardmax \(node 'hm'\)/);
    expect(e.code).toBe('unsupported_op');
  });

  /** Nodes computing, from the input's run-time batch size N, the int64 vector [0, 1, 0, 1] (never a constant). */
  const runtimeZeroOne = (m: OnnxModel, out: string) => {
    const node = (name: string, opType: string, inputs: string[], attrs: [string, { type: 'int'; value: number }][] = []) =>
      m.graph.nodes.push({ name, opType, domain: '', inputs, outputs: [name], attributes: new Map(attrs) });
    m.graph.initializers.set('at0', { dtype: 'int64', dims: [1], data: BigInt64Array.from([0n]) });
    m.graph.initializers.set('at1', { dtype: 'int64', dims: [1], data: BigInt64Array.from([1n]) });
    node('shape', 'Shape', ['input']);
    node('n', 'Slice', ['shape', 'at0', 'at1']);
    node('zero', 'Sub', ['n', 'n']);
    node('one', 'Div', ['n', 'n']);
    m.graph.nodes.push({ name: out, opType: 'Concat', domain: '', inputs: ['zero', 'one', 'zero', 'one'], outputs: [out], attributes: new Map([['axis', { type: 'int', value: 0 }]]) });
  };

  it('when a Pad in edge mode takes pads computed at run time, then UnsupportedOpError (422) names node and input', async () => {
    const path = linear((m) => {
      runtimeZeroOne(m, 'pads');
      m.graph.nodes.push({ name: 'pad', opType: 'Pad', domain: '', inputs: ['scores', 'pads'], outputs: ['z'], attributes: new Map([['mode', { type: 'string', value: 'edge' }]]) });
      m.graph.outputs = [{ name: 'z', dtype: 'float32', shape: ['N', 5] }];
    });
    const e = await rejected({ modelPath: path }, UnsupportedOpError, 'model', /^Pad 'pad': pads \(input 1\) must be a constant for differentiation$/);
    expect(e.code).toBe('unsupported_op');
  });

  it('when a Resize takes scales computed at run time, then UnsupportedOpError (422) names node and input', async () => {
    const path = linear((m) => {
      runtimeZeroOne(m, 'zo');
      m.graph.nodes.push({ name: 'zof', opType: 'Cast', domain: '', inputs: ['zo'], outputs: ['zof'], attributes: new Map([['to', { type: 'int', value: 1 }]]) });
      m.graph.initializers.set('two', { dtype: 'float32', dims: [1], data: Float32Array.from([2]) });
      m.graph.nodes.push({ name: 'sc', opType: 'Slice', domain: '', inputs: ['zof', 'at1', 'two64'], outputs: ['sc'], attributes: new Map() });
      m.graph.initializers.set('two64', { dtype: 'int64', dims: [1], data: BigInt64Array.from([3n]) });
      // scales = [1, 2] from the run-time [0, 1, 0, 1]: [1, 0] + [0, 2]
      m.graph.nodes.push({ name: 'scales', opType: 'Add', domain: '', inputs: ['sc', 'bump'], outputs: ['scales'], attributes: new Map() });
      m.graph.initializers.set('bump', { dtype: 'float32', dims: [2], data: Float32Array.from([0, 2]) });
      m.graph.nodes.push({ name: 'rs', opType: 'Resize', domain: '', inputs: ['scores', '', 'scales'], outputs: ['z'], attributes: new Map() });
      m.graph.outputs = [{ name: 'z', dtype: 'float32', shape: ['N', 6] }];
    });
    const e = await rejected({ modelPath: path }, UnsupportedOpError, 'model', /^Resize 'rs': scales \(input 2\) must be a constant for differentiation$/);
    expect(e.code).toBe('unsupported_op');
  });

  it('when ONNX Runtime cannot run the graph (Gemm weights do not match the input), then ModelError up front', async () => {
    const path = linear((m) => {
      m.graph.initializers.set('W', { dtype: 'float32', dims: [3, 5], data: new Float32Array(15) });
    });
    await rejected({ modelPath: path }, ModelError, 'model', /^ONNX Runtime could not load the model: Node \(fc\) Op \(Gemm\).*mismatch/);
  });

  it('when the model has two data inputs, then ModelError lists them', async () => {
    const path = linear((m) => {
      m.graph.inputs.push({ name: 'x2', dtype: 'float32', shape: ['N', 3] });
      m.graph.nodes.push({ name: 'add', opType: 'Add', domain: '', inputs: ['scores', 'x2'], outputs: ['z'], attributes: new Map() });
      m.graph.outputs = [{ name: 'z', dtype: 'float32', shape: ['N', 3] }];
    });
    await rejected({ modelPath: path }, ModelError, 'model', /2 data inputs \('input', 'x2'\)/);
  });
});

describe('inspectUploads: hostile evaluation sets', () => {
  it('when the .npz is not a zip, then DataError (422, data)', async () => {
    await rejected({ dataPath: upload(new TextEncoder().encode('x,y\n0.1,3\n'), 'npz') }, DataError, 'data', /evaluation set: not an \.npz \(zip\) archive/);
  });

  it('when a member declares more uncompressed bytes than the limit (zip bomb), then 413 before inflating', async () => {
    const bomb = writeNpz({ x: { dtype: 'float32', shape: [2048, 1, 28, 28], data: new Float32Array(2048 * 784) }, y: { dtype: 'int64', shape: [2048], data: new BigInt64Array(2048) } }, { compress: true });
    expect(bomb.length).toBeLessThan(64 << 10); // 6.4 MB of members in a small file
    const e = await rejected({ dataPath: upload(bomb, 'npz'), maxUncompressedBytes: 1 << 20 }, DataError, 'data', /declare \d+ uncompressed bytes in total, more than the limit of 1048576.*refusing to inflate/, 413);
    expect(e.details).toMatchObject({ limit: 1 << 20 });
  });

  it('when the data file is larger than maxDataBytes, then 413', async () => {
    await rejected({ dataPath: mnistLike(), maxDataBytes: 4096 }, DataError, 'data', /the evaluation set file is \d+ bytes; the limit is 4096/, 413);
  });

  it('when x holds a NaN, then DataError gives the index', async () => {
    const x = new Float32Array(2 * 784).fill(0.5);
    x[784 + 3] = NaN;
    await rejected({ dataPath: mnistLike({ x: { dtype: 'float32', shape: [2, 1, 28, 28], data: x } }) }, DataError, 'data', /x has 1 non-finite value\(s\) \(first: NaN at index \[1, 0, 0, 3\]\)/);
  });

  it('when the samples have the wrong shape for the model, then DataError names both shapes', async () => {
    await rejected({ dataPath: mnistLike({ x: { dtype: 'float32', shape: [2, 1, 28, 27], data: new Float32Array(2 * 756) } }) }, DataError, 'data', /samples are \[1, 28, 27\] but the model takes \[1, 28, 28\]/);
  });

  it('when a label is not a class of the model, then DataError names it', async () => {
    await rejected({ dataPath: mnistLike({ y: { dtype: 'int64', shape: [2], data: BigInt64Array.of(0n, 10n) } }) }, DataError, 'data', /label 10 of sample 1 is not a class of this 10-class model/);
  });

  it('when x has the wrong dtype, then DataError says what is accepted', async () => {
    await rejected({ dataPath: mnistLike({ x: { dtype: 'int32', shape: [2, 1, 28, 28], data: new Int32Array(2 * 784) } }) }, DataError, 'data', /x must be float32 or float64; found int32/);
  });
});

describe('inspectUploads: reference sets', () => {
  it('when the reference name is unknown (even an Object.prototype key), then UsageError lists the bundled names', async () => {
    const names = Object.keys(BUNDLED_REFERENCES);
    for (const name of ['imagenet', 'constructor']) {
      const e = await rejected({ reference: name }, UsageError, 'reference', new RegExp(`unknown reference set '${name}'; bundled reference sets: ${names.join(', ')}`));
      expect(e.code).toBe('usage');
    }
  });

  it('when the bundled reference does not fit the model, then DataError about the reference', async () => {
    await rejected({ modelPath: linear(), reference: 'mnist' }, DataError, 'reference', /reference set 'mnist': samples are \[1, 28, 28\] but the model takes \[4\]/);
  });
});

describe('inspectUploads: the good case, timeouts and crashes', () => {
  const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

  it('when the CNN and its MNIST set are given, then the summaries describe both files', async () => {
    const proto = onnx.ModelProto.decode(readFileSync(CNN));
    const arrays = readNpz(readFileSync(MNIST));
    const ref = readNpz(readFileSync(BUNDLED_REFERENCES.mnist));
    const outDims = proto.graph!.output![0].type!.tensorType!.shape!.dim!;
    const r = await inspectUploads({ modelPath: CNN, dataPath: MNIST, reference: 'mnist' });
    expect(r.model).toEqual({
      sha256: sha(CNN),
      inputShape: arrays.get('x')!.shape.slice(1),
      numClasses: Number(outDims[outDims.length - 1].dimValue),
      opset: Number(proto.opsetImport!.find((o) => !o.domain)!.version),
      nonDifferentiable: [],
      random: [],
      strippedSoftmax: false,
      ops: proto.graph!.node!.length,
      flopsPerSample: estimateCost(decodeModel(readFileSync(CNN))).flopsPerSample,
    });
    expect(r.data).toEqual({ sha256: sha(MNIST), n: arrays.get('x')!.shape[0], sampleShape: arrays.get('x')!.shape.slice(1), lowerUpper: arrays.has('lower') || arrays.has('upper') });
    expect(r.reference).toEqual({ sha256: sha(BUNDLED_REFERENCES.mnist), n: ref.get('x')!.shape[0], sampleShape: ref.get('x')!.shape.slice(1), lowerUpper: ref.has('lower') || ref.has('upper') });
  });

  it('when the model is too slow for timeoutMs, then ModelError "timed out", and the next inspection works', async () => {
    // ~27 GFLOP in the shape probe alone: far beyond 2.5 s on one thread.
    const started = Date.now();
    await rejected({ modelPath: upload(heavyModel(256, 400), 'onnx'), timeoutMs: 2500 }, ModelError, 'model', /model inspection timed out after 2500 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
    const r = await inspectUploads({ modelPath: CNN, dataPath: MNIST, reference: null });
    expect(r.model.sha256).toBe(sha(CNN));
  });

  it('when decoding the model exhausts the heap cap, then 413 naming the heap limit, and the next inspection works', async () => {
    // 6M floats in the packed float_data field: protobufjs decodes them into a JS array (heap), not a typed array.
    const F = onnx.TensorProto.DataType.FLOAT;
    const vi = (name: string, d: number): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: F, shape: { dim: [{ dimParam: 'N' }, { dimValue: d }] } } } });
    const N = 6_000_000;
    const bytes = onnx.ModelProto.encode(onnx.ModelProto.fromObject({
      irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g', node: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'], name: 'fc' }], input: [vi('x', N / 4)], output: [vi('y', 4)],
        initializer: [{ name: 'w', dims: [N / 4, 4], dataType: F, floatData: new Array<number>(N).fill(0.5) }],
      },
    })).finish();
    await rejected({ modelPath: upload(bytes, 'onnx'), maxOldSpaceMb: 32 }, ModelError, 'model', /^model inspection exceeded its JavaScript heap limit of 32 MiB$/, 413);
    const r = await inspectUploads({ modelPath: CNN, dataPath: null, reference: null, maxOldSpaceMb: 32 });
    expect(r.data).toBeNull();
    expect(r.model.numClasses).toBe(10);
  });

  it('when a limit is malformed, then UsageError before any process starts', async () => {
    await expect(inspectUploads({ modelPath: CNN, dataPath: null, reference: null, timeoutMs: -1 })).rejects.toThrow(UsageError);
    await expect(inspectUploads({ modelPath: CNN, dataPath: null, reference: null, timeoutMs: -1 })).rejects.toThrow(/timeoutMs/);
  });
});
