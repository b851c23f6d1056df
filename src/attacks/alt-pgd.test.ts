import { CancelledError, UsageError } from '../errors';
import { loadEvalSet, sliceEvalSet } from '../data';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { altPgd, AltPgdParams, stageOf, stageStart } from './alt-pgd';
import { parseParams, robustAccuracy, runAttack } from './run';
import { TOY, linearModel, minimalPerturbation } from './testing/linear-model';
import { AttackBatch, Norm } from './types';
import { expectInThreatSet, expectMissesAtWrongOptima, minimalPerturbations, randomBatch, randomLinear, wideBox } from './testing/random-linear';
import { spyGradientCalls } from './testing/spy';

const NORMS: Norm[] = ['linf', 'l2'];
const params = (p: Partial<AltPgdParams> = {}): AltPgdParams => parseParams(altPgd, p);

const toyBatch = (): AttackBatch => ({
  x: Float32Array.from(TOY.x), n: 1, y: Int32Array.of(TOY.y),
  lower: new Float32Array(TOY.x.length).fill(TOY.lower), upper: new Float32Array(TOY.x.length).fill(TOY.upper),
});

describe('alternating-loss schedule', () => {
  it('when T = 100, then three losses switch at t = 33 and 66 and two at t = 50 (the paper\'s code)', () => {
    const at = (T: number, L: number) => [...Array(T)].map((_, t) => stageOf(t, T, L));
    const three = at(100, 3);
    expect([three.indexOf(1), three.indexOf(2)]).toEqual([33, 66]);
    expect(at(100, 2).indexOf(1)).toBe(50);
    expect(at(5, 3)).toEqual([0, 1, 1, 2, 2]);
    expect(stageOf(100, 100, 3)).toBe(2); // the final evaluation belongs to the last stage
    expect(stageStart(3, 100, 3)).toBe(100);
  });
});

describe('alt-pgd on linear models', () => {
  let toy: Model;
  let two: Model;
  let five: Model;
  const FIVE = randomLinear(7, 5, 8);
  beforeAll(async () => { [toy, two, five] = await Promise.all([linearModel(TOY.lin), linearModel({ W: [[1, 0.5], [-0.5, 1]], b: [0, 0] }), linearModel(FIVE)]); });
  afterAll(async () => { await Promise.all([toy.close(), two.close(), five.close()]); });

  it('when run for 10 steps, then it ascends CE, CW, DLR in blocks of ⌊T/3⌋ (one gradient call per iteration, final evaluation in the last stage)', async () => {
    const s = spyGradientCalls(toy);
    await altPgd.search(s.model, toyBatch(), { norm: 'linf', eps: 0.01 }, params({ steps: 10 }), { seed: 1 });
    expect(s.calls.map((c) => c.loss)).toEqual(['ce', 'ce', 'ce', 'cw', 'cw', 'cw', 'dlr', 'dlr', 'dlr', 'dlr', 'dlr']);
    const s2 = spyGradientCalls(toy);
    await altPgd.search(s2.model, toyBatch(), { norm: 'l2', eps: 0.01 }, params({ steps: 4, losses: ['cw', 'ce'] }), { seed: 1 });
    expect(s2.calls.map((c) => c.loss)).toEqual(['cw', 'cw', 'ce', 'ce', 'ce']);
  });

  it('when the model has too few classes for DLR, then DLR is dropped from the cycle; with only DLR, UsageError', async () => {
    const b: AttackBatch = { x: Float32Array.of(1, 0), n: 1, y: Int32Array.of(0), lower: Float32Array.of(-5, -5), upper: Float32Array.of(5, 5) };
    const s = spyGradientCalls(two);
    await altPgd.search(s.model, b, { norm: 'linf', eps: 0.01 }, params({ steps: 4 }), { seed: 1 });
    expect(s.calls.map((c) => c.loss)).toEqual(['ce', 'ce', 'cw', 'cw', 'cw']);
    await expect(runAttack(altPgd, two, b, { norm: 'linf', eps: 0.1 }, { losses: ['dlr'] }, { seed: 1 })).rejects.toThrow(UsageError);
    const t = spyGradientCalls(toy); // targeted DLR needs 4 classes; the toy has 3
    await altPgd.search(t.model, toyBatch(), { norm: 'linf', eps: 0.01 }, params({ steps: 4, targeted: 'next' }), { seed: 1 });
    expect(t.calls.map((c) => c.loss)).toEqual(['ce', 'ce', 'cw', 'cw', 'cw']);
    expect(t.calls[0].target).toEqual([1]);
  });

  describe.each(NORMS)('%s', (norm) => {
    it('when ε = 1.02·d, then the toy point is broken; at 0.98·d it is not', async () => {
      const d = minimalPerturbation(TOY.lin, TOY.x, TOY.y, norm);
      const hi = await runAttack(altPgd, toy, toyBatch(), { norm, eps: 1.02 * d }, {}, { seed: 1 });
      const lo = await runAttack(altPgd, toy, toyBatch(), { norm, eps: 0.98 * d }, {}, { seed: 1 });
      expect(hi.success[0]).toBe(1);
      expect(lo.success[0]).toBe(0);
    });

    it('when the schedule is stage-cosine with stepSize 2ε (the paper\'s MD-style setting), then the toy point breaks at 1.02·d', async () => {
      const d = minimalPerturbation(TOY.lin, TOY.x, TOY.y, norm);
      const r = await runAttack(altPgd, toy, toyBatch(), { norm, eps: 1.02 * d }, { schedule: 'stage-cosine', stepSize: 2.04 * d }, { seed: 1 });
      expect(r.success[0]).toBe(1);
    });

    it('when attacking 60 points of a 5-class model, then none below 0.98·d breaks and every miss above 1.02·d sits at a wrong class\'s optimum', async () => {
      // Margin-type ascent has genuine local maxima on multi-class linear models (see
      // pgd.test.ts). 300 steps at Madry's step so that the L2 ascent has converged.
      const b = randomBatch(FIVE, 11, 60, wideBox);
      const ds = minimalPerturbations(FIVE, b, norm);
      const eps = [...ds].sort((u, v) => u - v)[30];
      const p = { steps: 300, stepSize: (2.5 * eps) / 100 };
      const cand = await altPgd.search(five, b, { norm, eps }, params(p), { seed: 2 });
      expectInThreatSet(cand.xAdv, b, norm, eps);
      const r = await runAttack(altPgd, five, b, { norm, eps }, p, { seed: 2 });
      expect(expectMissesAtWrongOptima(FIVE, b, ds, r.success, cand.xAdv, norm, eps)).toBeLessThanOrEqual(2);
    });

    it('when the box binds, then candidates stay in the box and the ε-ball', async () => {
      const b = randomBatch(FIVE, 12, 30, (x, rng) => [x.map((v) => v - 0.3 * rng()), x.map((v) => v + 0.3 * rng())]);
      const cand = await altPgd.search(five, b, { norm, eps: 0.5 }, params({ steps: 30 }), { seed: 3 });
      expectInThreatSet(cand.xAdv, b, norm, 0.5);
    });
  });

  it('when run twice with one seed, then the candidates are identical', async () => {
    const b = randomBatch(FIVE, 16, 10, wideBox);
    const a = await altPgd.search(five, b, { norm: 'linf', eps: 0.05 }, params({ steps: 6 }), { seed: 9 });
    const c = await altPgd.search(five, b, { norm: 'linf', eps: 0.05 }, params({ steps: 6 }), { seed: 9 });
    expect(Array.from(c.xAdv)).toEqual(Array.from(a.xAdv));
  });

  it.each([[{ losses: [] }], [{ losses: ['ce', 'mse'] }], [{ losses: 'ce' }], [{ schedule: 'step' }], [{ steps: -3 }], [{ loss: 'ce' }]])(
    'when params are %j, then runAttack rejects them with UsageError', async (bad) => {
      await expect(runAttack(altPgd, toy, toyBatch(), { norm: 'linf', eps: 0.1 }, bad, { seed: 1 })).rejects.toThrow(UsageError);
    });

  it('when the signal fires during the run, then the search stops with CancelledError', async () => {
    const ac = new AbortController();
    await expect(altPgd.search(toy, toyBatch(), { norm: 'linf', eps: 0.01 }, params(),
      { seed: 1, signal: ac.signal, onProgress: () => ac.abort() })).rejects.toThrow(CancelledError);
  });
});

describe('alt-pgd on the fixture CNN (smoke)', () => {
  let cnn: Model;
  beforeAll(async () => { cnn = await loadModel('fixtures/models/cnn.onnx', { inProcess: true }); });
  afterAll(async () => { await cnn.close(); });

  // 30 points and 20 steps keep the test fast. Measured robust accuracy on these 30 points:
  // 0.667 (ε = 0.1) and 0 (ε = 0.3) with 20 steps; 0.633 and 0 with the default 100.
  it('when ε = 0.3 (L∞), then most points break; at ε = 0.1 many stay robust', async () => {
    const data = sliceEvalSet(loadEvalSet('fixtures/data/mnist-eval.npz'), 0, 30);
    const batch: AttackBatch = { x: data.x, n: data.n, y: data.y, lower: data.lower, upper: data.upper };
    const strong = await runAttack(altPgd, cnn, batch, { norm: 'linf', eps: 0.3 }, { steps: 20 }, { seed: 1 });
    const weak = await runAttack(altPgd, cnn, batch, { norm: 'linf', eps: 0.1 }, { steps: 20 }, { seed: 1 });
    expect(robustAccuracy(strong)).toBeLessThan(0.2);
    expect(robustAccuracy(weak)).toBeGreaterThan(0.3);
  });
});
