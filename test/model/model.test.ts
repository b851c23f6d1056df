/** The Model facade on the calling thread and through the worker pool, against direct ORT runs. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { CancelledError, ModelError, UsageError } from '../../src/errors';
import { Model } from '../../src/model/model';
import { loadModel } from '../../src/model/load';
import { Session } from '../../src/runtime/session';
import { mlpBytes, randomInputs, relErr } from './synthetic';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'models');
const cnnBytes = readFileSync(join(FIXTURES, 'cnn.onnx'));

async function direct(bytes: Uint8Array, input: string, output: string, x: Float32Array | Float64Array, dims: number[]): Promise<Float32Array> {
  const s = await Session.create(bytes);
  try {
    return Float32Array.from((await s.run({ [input]: { dtype: x instanceof Float64Array ? 'float64' : 'float32', dims, data: x } }))[output].data as Float32Array);
  } finally {
    await s.release();
  }
}

describe.each([
  ['in process', true],
  ['worker pool', false],
])('Model (%s)', (_label, inProcess) => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(cnnBytes, { inProcess, verify: true });
  });
  afterAll(() => model.close());

  test('when predict runs then it matches a direct Session run of the file', async () => {
    const n = 6;
    const x = randomInputs(n, 784);
    const want = await direct(cnnBytes, 'x', 'logits', x, [n, 1, 28, 28]);
    const got = await model.predict(x, n);
    expect(got).toBeInstanceOf(Float32Array);
    expect(got.length).toBe(n * 10);
    expect(relErr(got, want)).toBeLessThan(1e-6);
  });

  test('when info is read then it describes the classifier', () => {
    expect(model.info).toMatchObject({ inputShape: [1, 28, 28], numClasses: 10, batched: true, batch: 'dynamic', provider: 'cpu', dtype: 'float32' });
    expect(model.info.modelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(model.info.bytesPerSample.gradient).toBeGreaterThan(model.info.bytesPerSample.forward);
    // torch names its input 'x' and output 'logits', which the gradient model reserves
    expect(model.info.notes).toEqual(expect.arrayContaining([expect.stringMatching(/value 'x' renamed/)]));
  });

  test('when lossAndGrad runs then its logits equal predict and the loss is CE', async () => {
    const n = 3;
    const x = randomInputs(n, 784, 3);
    const y = new Int32Array([0, 4, 9]);
    const r = await model.lossAndGrad(x, n, y, { loss: 'ce' });
    const z = await model.predict(x, n);
    expect(relErr(r.logits, z)).toBeLessThan(1e-6);
    for (let i = 0; i < n; i++) {
      const row = Array.from(z.subarray(i * 10, i * 10 + 10));
      const m = Math.max(...row);
      const ce = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[y[i]];
      expect(r.loss[i]).toBeCloseTo(ce, 4);
    }
    expect(r.grad.length).toBe(n * 784);
    expect(r.grad.some((g) => g !== 0)).toBe(true);
  });

  test('when calls complete then counters count samples', async () => {
    const before = model.counters();
    await model.predict(randomInputs(4, 784), 4);
    await model.lossAndGrad(randomInputs(2, 784), 2, new Int32Array([1, 2]), { loss: 'cw', target: new Int32Array([3, 3]) });
    await model.predict(new Float32Array(0), 0);
    expect(model.counters()).toEqual({ forward: before.forward + 4, gradient: before.gradient + 2 });
  });

  test('when arguments are malformed then UsageError says what is accepted', async () => {
    await expect(model.predict(new Float32Array(783), 1)).rejects.toThrow(/expected n × \[1, 28, 28\]/);
    await expect(model.predict(new Float32Array(784), 1.5)).rejects.toBeInstanceOf(UsageError);
    await expect(model.lossAndGrad(new Float32Array(784), 1, new Int32Array([10]), { loss: 'ce' })).rejects.toThrow(/class index in \[0, 10\)/);
    await expect(model.lossAndGrad(new Float32Array(784), 1, new Int32Array([1]), { loss: 'xent' as 'ce' })).rejects.toThrow(/accepted: ce, cw, dlr/);
  });

  test('when the signal is already aborted then the call rejects with CancelledError', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(model.predict(randomInputs(2, 784), 2, { signal: ctl.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('loadModel', () => {
  test('when the model ends in Softmax then predict returns the pre-softmax logits', async () => {
    const plain = await loadModel(join(FIXTURES, 'cnn.onnx'), { inProcess: true });
    const soft = await loadModel(join(FIXTURES, 'cnn_softmax.onnx'), { inProcess: true });
    try {
      expect(soft.info.strippedSoftmax).toBe('Softmax');
      const x = randomInputs(3, 784, 11);
      expect(relErr(await soft.predict(x, 3), await plain.predict(x, 3))).toBeLessThan(1e-6);
    } finally {
      await plain.close();
      await soft.close();
    }
  });

  test('when the model computes in float64 then x and results convert at the boundary', async () => {
    const spec = { inputShape: [2, 5], hidden: [16], classes: 4, dtype: 'float64' as const, seed: 5 };
    const bytes = mlpBytes(spec);
    const m = await loadModel(bytes, { inProcess: true, verify: true });
    try {
      expect(m.info.dtype).toBe('float64');
      const x = randomInputs(3, 10);
      const want = await direct(bytes, 'input', 'scores', Float64Array.from(x), [3, 2, 5]);
      expect(relErr(await m.predict(x, 3), want)).toBeLessThan(1e-6);
      const r = await m.lossAndGrad(x, 3, new Int32Array([0, 1, 2]), { loss: 'dlr' });
      expect(r.grad).toBeInstanceOf(Float32Array);
      expect(r.grad.every(Number.isFinite)).toBe(true);
    } finally {
      await m.close();
    }
  });

  test('when the bytes are not ONNX then ModelError (also from a worker)', async () => {
    const junk = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    await expect(loadModel(junk, { inProcess: true })).rejects.toBeInstanceOf(ModelError);
    const e = await loadModel(junk).catch((err) => err);
    expect(e).toBeInstanceOf(ModelError);
    expect(e.code).toBe('invalid_model');
  });

  test('when a model is closed then later calls reject with CancelledError', async () => {
    for (const inProcess of [true, false]) {
      const m = await loadModel(cnnBytes, { inProcess });
      await m.close();
      await expect(m.predict(randomInputs(1, 784), 1)).rejects.toBeInstanceOf(CancelledError);
    }
  });
});
