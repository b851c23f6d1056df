/** Batch generalisation: fixed batch-1 exports run batched only when that provably changes nothing. */
import { hasFreeBatch, withSymbolicBatch } from '../../src/model/generalise';
import { loadModel } from '../../src/model/load';
import { Session } from '../../src/runtime/session';
import { MlpSpec, mlp, mlpBytes, randomInputs, relErr } from './synthetic';

const base: MlpSpec = { inputShape: [6, 1], hidden: [12, 12], classes: 5, batch: 1, seed: 3 };

/** The file run one sample at a time, as its exporter intended. */
async function perSampleReference(bytes: Uint8Array, x: Float32Array, n: number, output: string): Promise<Float32Array> {
  const s = await Session.create(bytes);
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const r = await s.run({ input: { dtype: 'float32', dims: [1, 6, 1], data: x.slice(i * 6, i * 6 + 6) } });
      out.push(...(r[output].data as Float32Array));
    }
  } finally {
    await s.release();
  }
  return Float32Array.from(out);
}

describe('batch generalisation', () => {
  test('when dim 0 is fixed at 1 then only input/output dim 0 become N and value_info shapes are dropped', () => {
    const m = mlp(base);
    m.graph.valueInfo.set('h0', { name: 'h0', dtype: 'float32', shape: [1, 12] });
    expect(hasFreeBatch(m)).toBe(false);
    const g = withSymbolicBatch(m)!;
    expect(g.graph.inputs[0].shape).toEqual(['N', 6, 1]);
    expect(g.graph.outputs[0].shape).toEqual(['N', 5]);
    expect(g.graph.valueInfo.get('h0')!.shape).toBeUndefined();
    expect(hasFreeBatch(g)).toBe(true);
    expect(withSymbolicBatch(mlp({ ...base, batch: 'N' }))).toBeUndefined();
  });

  test('when the graph does not depend on the batch then the generalised (fast) path is used', async () => {
    const bytes = mlpBytes(base);
    const m = await loadModel(bytes, { inProcess: true, verify: true });
    try {
      expect(m.info).toMatchObject({ batch: 'generalised', batched: true, inputShape: [6, 1] });
      const x = randomInputs(7, 6);
      expect(relErr(await m.predict(x, 7), await perSampleReference(bytes, x, 7, 'scores'))).toBeLessThan(1e-5);
    } finally {
      await m.close();
    }
  });

  test('when a Reshape bakes in batch 1 then the model runs per sample and info says why', async () => {
    const bytes = mlpBytes({ ...base, fixedReshape: true });
    const m = await loadModel(bytes, { inProcess: true, verify: true });
    try {
      expect(m.info).toMatchObject({ batch: 'perSample', batched: false, inputShape: [6, 1] });
      expect(m.info.batchNote).toMatch(/batch generalisation rejected/);
      const x = randomInputs(4, 6);
      expect(relErr(await m.predict(x, 4), await perSampleReference(bytes, x, 4, 'scores'))).toBeLessThan(1e-6);
      const r = await m.lossAndGrad(x, 4, new Int32Array([0, 1, 2, 3]), { loss: 'ce' });
      expect(r.loss.every(Number.isFinite)).toBe(true);
      expect(r.grad.length).toBe(24);
    } finally {
      await m.close();
    }
  });

  test('when batched outputs would silently differ (reduction over dim 0) then the check rejects the rewrite', async () => {
    const bytes = mlpBytes({ ...base, batchMean: true });
    const m = await loadModel(bytes, { inProcess: true });
    try {
      expect(m.info.batch).toBe('perSample');
      expect(m.info.batchNote).toMatch(/differ/);
      const x = randomInputs(3, 6);
      expect(relErr(await m.predict(x, 3), await perSampleReference(bytes, x, 3, 'scores'))).toBeLessThan(1e-6);
    } finally {
      await m.close();
    }
  });

  test('when generalisation is disabled then a batch-1 model runs per sample with the same results', async () => {
    const bytes = mlpBytes(base);
    const fast = await loadModel(bytes, { inProcess: true });
    const slow = await loadModel(bytes, { inProcess: true, generaliseBatch: false });
    try {
      expect(slow.info).toMatchObject({ batch: 'perSample', batchNote: 'batch generalisation disabled' });
      const x = randomInputs(5, 6);
      const y = new Int32Array([0, 1, 2, 3, 4]);
      const a = await fast.lossAndGrad(x, 5, y, { loss: 'cw' });
      const b = await slow.lossAndGrad(x, 5, y, { loss: 'cw' });
      expect(relErr(a.logits, b.logits)).toBeLessThan(1e-5);
      expect(relErr(a.grad, b.grad)).toBeLessThan(1e-5);
    } finally {
      await fast.close();
      await slow.close();
    }
  });
});
