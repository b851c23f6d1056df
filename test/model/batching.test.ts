/** Splitting calls to a memory budget. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { chunkRanges, estimateBytesPerSample, samplesPerChunk, GRADIENT_FACTOR } from '../../src/model/batching';
import { loadModel } from '../../src/model/load';
import { randomInputs, relErr } from './synthetic';

const cnnBytes = readFileSync(join(__dirname, '..', '..', 'fixtures', 'models', 'cnn.onnx'));

describe('memory budget', () => {
  test('when sizes are estimated then intermediates count per sample and constants not at all', () => {
    const shapes = new Map([
      ['x', { dtype: 'float32' as const, shape: [2, 10] }],
      ['h', { dtype: 'float64' as const, shape: [2, 5] }],
      ['W', { dtype: 'float32' as const, shape: [10, 5] }],
    ]);
    const est = estimateBytesPerSample(shapes, 2, new Set(['W']));
    expect(est.forward).toBe(10 * 4 + 5 * 8);
    expect(est.gradient).toBe(GRADIENT_FACTOR * est.forward);
    expect(samplesPerChunk(1024 * 1024, 10)).toBe(10);
    expect(samplesPerChunk(1e12, 1)).toBe(1);
    expect(chunkRanges(7, 3)).toEqual([{ start: 0, count: 3 }, { start: 3, count: 3 }, { start: 6, count: 1 }]);
    expect(chunkRanges(0, 3)).toEqual([]);
  });

  test.each([
    ['in process', { inProcess: true }],
    ['2 workers', { workers: 2 }],
  ])('when the budget forces chunks (%s) then results equal one big batch', async (_label, mode) => {
    const n = 24;
    const big = await loadModel(cnnBytes, { inProcess: true, memoryBudgetMB: 1024 });
    const tight = big.info.bytesPerSample.gradient * 5 / (1024 * 1024); // 5 samples per gradient chunk
    const small = await loadModel(cnnBytes, { ...mode, memoryBudgetMB: tight });
    try {
      expect(samplesPerChunk(small.info.bytesPerSample.gradient, tight)).toBe(5);
      expect(samplesPerChunk(small.info.bytesPerSample.forward, tight)).toBeLessThan(n);
      const x = randomInputs(n, 784, 21);
      const y = Int32Array.from({ length: n }, (_, i) => i % 10);
      expect(relErr(await small.predict(x, n), await big.predict(x, n))).toBeLessThan(1e-6);
      const a = await small.lossAndGrad(x, n, y, { loss: 'ce' });
      const b = await big.lossAndGrad(x, n, y, { loss: 'ce' });
      expect(relErr(a.logits, b.logits)).toBeLessThan(1e-6);
      expect(relErr(a.loss, b.loss)).toBeLessThan(1e-6);
      expect(relErr(a.grad, b.grad)).toBeLessThan(1e-6);
      expect(small.counters()).toEqual({ forward: n, gradient: n });
    } finally {
      await big.close();
      await small.close();
    }
  });
});
