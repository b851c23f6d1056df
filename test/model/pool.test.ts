/** The worker pool: concurrency, a free event loop, cancellation, crash recovery, typed errors. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { CancelledError, DataError, GauntletError, ModelError, ProviderError, RuntimeFailure, UnsupportedOpError, UsageError } from '../../src/errors';
import { Model } from '../../src/model/model';
import { loadModel } from '../../src/model/load';
import { PooledModel } from '../../src/model/pooled-model';
import { GradientShapeError } from '../../src/model/verify';
import { fromWire, toWire } from '../../src/model/wire';
import { heavyModel, randomInputs, relErr } from './synthetic';

const cnnBytes = readFileSync(join(__dirname, '..', '..', 'fixtures', 'models', 'cnn.onnx'));

describe('worker pool', () => {
  let pooled: Model;
  let local: Model;
  beforeAll(async () => {
    [pooled, local] = await Promise.all([
      loadModel(cnnBytes, { workers: 2, threads: 2, testHooks: true, verify: true }),
      loadModel(cnnBytes, { inProcess: true }),
    ]);
  });
  afterAll(async () => {
    await pooled.close();
    await local.close();
  });
  const stats = () => (pooled as PooledModel).poolStats();

  test('when 2 workers get concurrent requests then all are answered correctly', async () => {
    const inputs = Array.from({ length: 8 }, (_, k) => randomInputs(k + 1, 784, 100 + k));
    const preds = inputs.map((x, k) => pooled.predict(x, k + 1));
    const grads = inputs.map((x, k) => pooled.lossAndGrad(x, k + 1, new Int32Array(k + 1).fill(k), { loss: 'dlr' }));
    expect(stats()).toMatchObject({ size: 2, busy: 2 });
    expect(stats().queued).toBeGreaterThan(0);
    const [p, g] = [await Promise.all(preds), await Promise.all(grads)];
    for (let k = 0; k < inputs.length; k++) {
      expect(relErr(p[k], await local.predict(inputs[k], k + 1))).toBeLessThan(1e-6);
      const want = await local.lossAndGrad(inputs[k], k + 1, new Int32Array(k + 1).fill(k), { loss: 'dlr' });
      expect(relErr(g[k].grad, want.grad)).toBeLessThan(1e-5);
      expect(relErr(g[k].loss, want.loss)).toBeLessThan(1e-5);
    }
  });

  test('when queued work is cancelled then it rejects with CancelledError and the rest still runs', async () => {
    const busy = [0, 1].map(() => (pooled as PooledModel).rawCall('block', { ms: 400 }));
    const other = pooled.predict(randomInputs(2, 784), 2);
    const waiting = stats().queued;
    const ctl = new AbortController();
    const queued = [1, 2, 3].map((n) => pooled.predict(randomInputs(n, 784), n, { signal: ctl.signal }));
    expect(stats().queued).toBeGreaterThan(waiting);
    const t0 = Date.now();
    ctl.abort();
    for (const q of queued) await expect(q).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(100); // rejected at once, not after the blocked workers finish
    expect(stats().queued).toBe(waiting);
    await Promise.all(busy);
    expect((await other).length).toBe(20);
  });

  test('when a worker crashes then its request fails with RuntimeFailure and a replacement serves the rest', async () => {
    const restarts = stats().restarts;
    const x = randomInputs(5, 784, 9);
    const crash = (pooled as PooledModel).rawCall('crash', {});
    const after = [pooled.predict(x, 5), pooled.lossAndGrad(x, 5, new Int32Array(5), { loss: 'ce' })];
    await expect(crash).rejects.toBeInstanceOf(RuntimeFailure);
    await expect(crash).rejects.toThrow(/crashed while running 'crash'.*replaced/);
    const [p] = (await Promise.all(after)) as [Float32Array, unknown];
    expect(relErr(p, await local.predict(x, 5))).toBeLessThan(1e-6);
    expect(stats()).toMatchObject({ size: 2, restarts: restarts + 1 });
  });
});

describe('event loop', () => {
  test('when a long inference runs in a worker then setInterval keeps ticking (max gap < 200 ms)', async () => {
    const d = 128;
    const m = await loadModel(heavyModel(d, 24), { workers: 1 });
    try {
      // Grow n until one predict takes ≥ 1 s on this machine (double until ≥ 200 ms, then scale to ≈1.3 s).
      let n = 4;
      let ms = 0;
      while (ms < 200) {
        n *= 2;
        const t = Date.now();
        await m.predict(randomInputs(n, d), n);
        ms = Date.now() - t;
      }
      let last = Date.now();
      let maxGap = 0;
      const timer = setInterval(() => {
        const now = Date.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
      }, 10);
      for (let attempt = 0; attempt < 4 && ms < 1000; attempt++) {
        n = Math.ceil((n * 1300) / ms);
        const x = randomInputs(n, d);
        const t = Date.now();
        last = t;
        maxGap = 0;
        await m.predict(x, n);
        ms = Date.now() - t;
      }
      clearInterval(timer);
      // eslint-disable-next-line no-console
      console.log(`event loop: ${n} samples, inference ${ms} ms, max setInterval gap ${maxGap} ms`);
      expect(ms).toBeGreaterThanOrEqual(1000);
      expect(maxGap).toBeLessThan(200);
    } finally {
      await m.close();
    }
  });
});

describe('error transport', () => {
  test('when errors cross the worker boundary then class, code and details survive', () => {
    const cases: GauntletError[] = [
      new ModelError('m', { a: 1 }), new UnsupportedOpError('u', { opType: 'Foo' }), new DataError('d'), new ProviderError('p'),
      new UsageError('us'), new RuntimeFailure('r'), new CancelledError('c'),
      new GradientShapeError('g', { node: 'n', inputIndex: 1 }), new GauntletError('x', 'custom_code', 418, false),
    ];
    for (const e of cases) {
      const back = fromWire(structuredClone(toWire(e))) as GauntletError;
      expect(back).toBeInstanceOf(e.constructor);
      expect(back).toMatchObject({ name: e.name, message: e.message, code: e.code, httpStatus: e.httpStatus, operational: e.operational });
      expect(back.details ?? {}).toEqual(e.details ?? {});
    }
    const plain = fromWire(toWire(new TypeError('t')));
    expect(plain).toMatchObject({ name: 'TypeError', message: 't' });
  });
});
