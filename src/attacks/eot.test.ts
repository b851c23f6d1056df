import { UsageError } from '../errors';
import type { Model } from '../model/model';
import { altPgd } from './alt-pgd';
import { eotLossAndGrad } from './eot';
import { pgd } from './pgd';
import { runAttack } from './run';
import { argmaxRows } from './tensor';
import { Linear, TOY, linearModel, noisyLinearModel } from './testing/linear-model';
import { AttackBatch, AttackModel } from './types';


/** Sum over coordinates of the variance across rows (all rows estimate the same expectation). */
function totalVariance(g: Float32Array, n: number): number {
  const per = g.length / n;
  let total = 0;
  for (let k = 0; k < per; k++) {
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const v = g[i * per + k]; s += v; s2 += v * v; }
    total += s2 / n - (s / n) ** 2;
  }
  return total;
}

function counting(model: AttackModel) {
  let calls = 0;
  const m: AttackModel = { info: model.info, predict: (x, n, o) => model.predict(x, n, o), counters: () => model.counters(), lossAndGrad: (x, n, y, o) => { calls++; return model.lossAndGrad(x, n, y, o); } };
  return { model: m, calls: () => calls };
}

const tile = (x: number[], n: number) => Float32Array.from({ length: n * x.length }, (_, k) => x[k % x.length]);

describe('EOT gradient averaging', () => {
  let noisyToy: Model;
  let toy: Model;
  beforeAll(async () => { [noisyToy, toy] = await Promise.all([noisyLinearModel(TOY.lin, 0.5), linearModel(TOY.lin)]); });
  afterAll(async () => { await Promise.all([noisyToy.close(), toy.close()]); });

  it('when the model has random ops, then it is reported and each call draws new noise', async () => {
    expect(noisyToy.info.random).toEqual(["RandomNormalLike 'noise'"]);
    const x = tile(TOY.x, 1);
    const a = await noisyToy.lossAndGrad(x, 1, Int32Array.of(0), { loss: 'ce' });
    const b = await noisyToy.lossAndGrad(x, 1, Int32Array.of(0), { loss: 'ce' });
    expect(Array.from(a.grad)).not.toEqual(Array.from(b.grad));
  });

  it('when averaging k = 8 draws, then the gradient variance falls by about 8 and the mean is unchanged', async () => {
    const n = 200;
    const x = tile(TOY.x, n), y = new Int32Array(n);
    const one = await eotLossAndGrad(noisyToy, x, n, y, { loss: 'ce' }, 1);
    const eight = await eotLossAndGrad(noisyToy, x, n, y, { loss: 'ce' }, 8);
    const ratio = totalVariance(eight.grad, n) / totalVariance(one.grad, n);
    expect(ratio).toBeGreaterThan(1 / 8 / 2);
    expect(ratio).toBeLessThan(1 / 8 * 2);
    // Both estimate E[∇L]: row means agree within a few standard errors.
    const per = TOY.x.length;
    const se = Math.sqrt(totalVariance(one.grad, n) / n);
    for (let k = 0; k < per; k++) {
      let m1 = 0, m8 = 0;
      for (let i = 0; i < n; i++) { m1 += one.grad[i * per + k] / n; m8 += eight.grad[i * per + k] / n; }
      expect(Math.abs(m1 - m8)).toBeLessThan(4 * se);
    }
    expect(eight.logits).toHaveLength(n * 3);
    expect(eight.loss).toHaveLength(n);
  });

  it('when the model is deterministic, then k draws cost a single call', async () => {
    const c = counting(toy);
    const r = await eotLossAndGrad(c.model, tile(TOY.x, 3), 3, new Int32Array(3), { loss: 'cw' }, 16);
    expect(c.calls()).toBe(1);
    expect(r.grad).toHaveLength(18);
  });

  it('when k is not a positive integer, then UsageError', async () => {
    await expect(eotLossAndGrad(noisyToy, tile(TOY.x, 1), 1, new Int32Array(1), { loss: 'ce' }, 0)).rejects.toThrow(UsageError);
    await expect(eotLossAndGrad(noisyToy, tile(TOY.x, 1), 1, new Int32Array(1), { loss: 'ce' }, 1.5)).rejects.toThrow(UsageError);
  });

  it.each([['pgd', pgd], ['alt-pgd', altPgd]] as const)('when %s runs with eot = 4 on a randomized model, then every iteration averages 4 gradient draws and no sample stops early', async (_name, def) => {
    const c = counting(noisyToy);
    const b: AttackBatch = { x: tile(TOY.x, 2), n: 2, y: Int32Array.of(0, 0), lower: new Float32Array(12).fill(-10), upper: new Float32Array(12).fill(10) };
    // ε = 1 breaks the toy point (d ≈ 0.2), yet a randomized model's samples run every step.
    await def.search(c.model, b, { norm: 'linf', eps: 1 }, def.params.parse({ steps: 5, eot: 4 }) as never, { seed: 1 });
    expect(c.calls()).toBe(6 * 4);
  });
});

describe('success on a randomized model is a majority vote', () => {
  // Two classes, margin z0 − z1 = (x0 − x1) + noise with σ_margin = 0.1; x = (0.5, 0) has margin
  // 0.5 = 5σ. The L∞ worst case moves the margin by 2ε: at ε = 0.225 the attacked point keeps a
  // +0.05 margin on average (each draw misclassifies it with p ≈ 0.31), at ε = 0.3 it has −0.1
  // (p ≈ 0.84). Only the majority of fresh draws (ctx.successDraws) decides.
  const LIN: Linear = { W: [[1, 0], [0, 1]], b: [0, 0] };
  let noisy: Model;
  const batch = (): AttackBatch => ({ x: Float32Array.of(0.5, 0), n: 1, y: Int32Array.of(0), lower: Float32Array.of(-5, -5), upper: Float32Array.of(5, 5) });
  beforeAll(async () => { noisy = await noisyLinearModel(LIN, 0.1 / Math.SQRT2); });
  afterAll(async () => { await noisy.close(); });

  const misclassifiedShare = async (x: Float32Array, draws: number) => {
    let k = 0;
    for (let d = 0; d < draws; d++) if (argmaxRows(await noisy.predict(x, 1), 1)[0] !== 0) k++;
    return k / draws;
  };

  // ONNX Runtime's noise is not seeded, so the outcomes below are random; the margins make a
  // wrong verdict very unlikely (≲ 1e-3: a 101-draw majority against p = 0.31, resp. p ≥ 0.6).
  it('when single draws misclassify the candidate only a minority of the time, then it is not a success', async () => {
    const eps = 0.225;
    const cand = await pgd.search(noisy, batch(), { norm: 'linf', eps }, pgd.params.parse({ steps: 50, eot: 8 }), { seed: 1 });
    const share = await misclassifiedShare(cand.xAdv, 200);
    expect(share).toBeGreaterThan(0.1); // single draws often call it adversarial ...
    expect(share).toBeLessThan(0.45); // ... but most classify it correctly
    const r = await runAttack(pgd, noisy, batch(), { norm: 'linf', eps }, { steps: 50, eot: 8 }, { seed: 1, successDraws: 101 });
    expect(r.cleanCorrect[0]).toBe(1);
    expect(r.success[0]).toBe(0);
  });

  it('when most draws misclassify the candidate, then it is a success', async () => {
    // One step (0.015 per coordinate) short of the corner the margin is still −0.07 (p ≈ 0.76).
    const eps = 0.3;
    const r = await runAttack(pgd, noisy, batch(), { norm: 'linf', eps }, { steps: 50, eot: 8 }, { seed: 1, successDraws: 101 });
    expect(r.success[0]).toBe(1);
    expect(await misclassifiedShare(r.xAdv, 200)).toBeGreaterThan(0.55);
  });
});
