/**
 * Hostile or unsupported models: each yields a typed GauntletError with a clear message, and
 * the process (and, for the worker path, the pool) survives to load a good model afterwards.
 */
import { readFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';
import { GauntletError, ModelError, UnsupportedOpError } from '../src/errors';
import { loadModel } from '../src/model/load';
import { fixturePath } from './support/fixtures';

const F = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;
const vi = (name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto => ({
  name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

/** x [N,4] → node(s) → y [N,3] via a Gemm; `edit` corrupts it. */
function model(edit: (m: onnx.IModelProto) => void = () => undefined): Uint8Array {
  const m: onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [{ opType: 'Gemm', input: ['x', 'w'], output: ['y'], name: 'fc' }],
      input: [vi('x', F, ['N', 4])],
      output: [vi('y', F, ['N', 3])],
      initializer: [{ name: 'w', dims: [4, 3], dataType: F, floatData: Array(12).fill(0.1) }],
    },
  };
  edit(m);
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(m)).finish();
}

async function expectRejected(bytes: Uint8Array, type: new (...a: never[]) => GauntletError, message: RegExp, inProcess = true) {
  let caught: unknown;
  try {
    const m = await loadModel(bytes, { inProcess });
    // Some problems only surface when a gradient graph is built.
    try { await m.lossAndGrad(new Float32Array(4), 1, Int32Array.of(0), { loss: 'ce' }); } finally { await m.close(); }
  } catch (e) { caught = e; }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toMatch(message);
}

describe('hostile and unsupported models', () => {
  it('when the file is garbage, then ModelError', async () => {
    await expectRejected(Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff), ModelError, /not a valid ONNX model/);
  });

  it('when a tensor uses external data, then ModelError and no file is opened', async () => {
    await expectRejected(model((m) => {
      m.graph!.initializer![0] = { name: 'w', dims: [4, 3], dataType: F, dataLocation: 1, externalData: [{ key: 'location', value: '../../etc/shadow' }] };
    }), ModelError, /external file/);
  });

  it('when a node uses a custom-op domain, then ModelError names domain and op', async () => {
    await expectRejected(model((m) => {
      m.opsetImport!.push({ domain: 'com.evil', version: 1 });
      m.graph!.node!.push({ opType: 'Backdoor', domain: 'com.evil', input: ['y'], output: ['z'], name: 'bd' });
      m.graph!.output = [vi('z', F, ['N', 3])];
    }), ModelError, /com\.evil/);
  });

  it('when the model has no float input, then ModelError', async () => {
    await expectRejected(model((m) => {
      m.graph!.input = [vi('x', I64, ['N', 4])];
      m.graph!.node = [
        { opType: 'Cast', input: ['x'], output: ['xf'], name: 'c', attribute: [{ name: 'to', type: 2, i: 1 }] },
        { opType: 'Gemm', input: ['xf', 'w'], output: ['y'], name: 'fc' },
      ];
    }), ModelError, /float input/);
  });

  it('when the model has two data inputs, then ModelError lists them', async () => {
    await expectRejected(model((m) => {
      m.graph!.input!.push(vi('x2', F, ['N', 3]));
      m.graph!.node!.push({ opType: 'Add', input: ['y', 'x2'], output: ['z'], name: 'add' });
      m.graph!.output = [vi('z', F, ['N', 3])];
    }), ModelError, /2 data inputs/);
  });

  it('when the output is not float, then ModelError', async () => {
    await expectRejected(model((m) => {
      m.graph!.node!.push({ opType: 'ArgMax', input: ['y'], output: ['z'], name: 'am', attribute: [{ name: 'axis', type: 2, i: 1 }] });
      m.graph!.output = [vi('z', I64, ['N', 1])];
    }), ModelError, /float/);
  });

  it('when an input dimension is absurd, then ModelError before any allocation', async () => {
    await expectRejected(model((m) => { m.graph!.input = [vi('x', F, ['N', 4_000_000_000_000])]; }), ModelError, /dimension/);
  });

  it('when an op on the input→logits path has no gradient rule, then UnsupportedOpError names op, node and the supported list', async () => {
    await expectRejected(model((m) => {
      m.graph!.node!.push({ opType: 'Hardmax', input: ['y'], output: ['z'], name: 'hm' });
      m.graph!.output = [vi('z', F, ['N', 3])];
    }), UnsupportedOpError, /Hardmax.*'hm'.*Supported: .*Conv/s);
  });

  it('when hostile models were rejected through the worker pool, then the pool still serves a good model', async () => {
    await expectRejected(Uint8Array.of(1, 2, 3), ModelError, /not a valid ONNX model/, false);
    const m = await loadModel(readFileSync(fixturePath('models/cnn.onnx')), { inProcess: false, workers: 1 });
    try {
      const logits = await m.predict(new Float32Array(784), 1);
      expect(logits).toHaveLength(10);
    } finally {
      await m.close();
    }
  });
});
