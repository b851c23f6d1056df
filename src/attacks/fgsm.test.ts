import { readFileSync } from 'fs';
import { CancelledError, UsageError } from '../errors';
import { loadEvalSet, readNpz, sliceEvalSet } from '../data';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { fgsm, FgsmParams } from './fgsm';
import { parseParams, robustAccuracy, runAttack } from './run';
import { TOY, linearModel, minimalPerturbation } from './testing/linear-model';
import { AttackBatch, Norm } from './types';
import {
  expectBrokenExactly, expectInThreatSet, linfBoxDistance, logitsOf, minimalPerturbations, randomBatch, randomLinear, row, wideBox,
} from './testing/random-linear';
import { spyGradientCalls } from './testing/spy';

const NORMS: Norm[] = ['linf', 'l2'];
const params = (p: Partial<FgsmParams> = {}): FgsmParams => parseParams(fgsm, p);

describe('fgsm on linear models', () => {
  let toy: Model;
  let two: Model;
  const TWO = randomLinear(5, 2, 8);
  beforeAll(async () => { [toy, two] = await Promise.all([linearModel(TOY.lin), linearModel(TWO)]); });
  afterAll(async () => { await Promise.all([toy.close(), two.close()]); });

  describe.each(NORMS)('%s', (norm) => {
    it.each(['ce', 'cw'] as const)('when attacking 60 points of a 2-class model (%s), then exactly those with ε ≥ 1.02·d break', async (loss) => {
      // Two classes: the sign / normalised gradient is the exact worst-case direction.
      const b = randomBatch(TWO, 21, 60, wideBox);
      const ds = minimalPerturbations(TWO, b, norm);
      const eps = [...ds].sort((u, v) => u - v)[30];
      const cand = await fgsm.search(two, b, { norm, eps }, params({ loss }), { seed: 1 });
      expectInThreatSet(cand.xAdv, b, norm, eps);
      const r = await runAttack(fgsm, two, b, { norm, eps }, { loss }, { seed: 1 });
      expect(expectBrokenExactly(r.success, ds, eps)).toBeGreaterThanOrEqual(55);
    });

    it('when attacking the 3-class toy, with a wide or a binding box, then δ stays in the ε-ball and the box', async () => {
      const d = minimalPerturbation(TOY.lin, TOY.x, TOY.y, norm);
      for (const [lo, hi] of [[-10, 10], [0.35, 0.55]]) {
        const b: AttackBatch = { x: Float32Array.from(TOY.x), n: 1, y: Int32Array.of(0), lower: Float32Array.from(TOY.x, (v) => Math.min(v, lo)), upper: Float32Array.from(TOY.x, (v) => Math.max(v, hi)) };
        for (const loss of ['ce', 'cw', 'dlr'] as const) {
          const cand = await fgsm.search(toy, b, { norm, eps: 1.5 * d }, params({ loss }), { seed: 1 });
          expectInThreatSet(cand.xAdv, b, norm, 1.5 * d);
          expect(Array.from(cand.xAdv)).not.toEqual(Array.from(b.x));
        }
      }
    });
  });

  it('when an L∞ box binds (2 classes), then points break exactly when ε exceeds the box-constrained distance by 2%', async () => {
    const b = randomBatch(TWO, 13, 60, (x, rng) => [x.map((v) => v - 0.4 * rng()), x.map((v) => v + 0.4 * rng())]);
    const ds = [...Array(b.n)].map((_, i) => linfBoxDistance(TWO, row(b.x, i, 8), b.y[i], row(b.lower, i, 8), row(b.upper, i, 8)));
    const eps = [...ds].filter(Number.isFinite).sort((u, v) => u - v)[25];
    const cand = await fgsm.search(two, b, { norm: 'linf', eps }, params(), { seed: 1 });
    expectInThreatSet(cand.xAdv, b, 'linf', eps);
    const r = await runAttack(fgsm, two, b, { norm: 'linf', eps }, {}, { seed: 1 });
    expectBrokenExactly(r.success, ds, eps);
  });

  it('when targeted, then the targets are (y + 1) mod C for "next" and the lowest clean logit for "least-likely"', async () => {
    const FIVE = randomLinear(7, 5, 8);
    const five = await linearModel(FIVE);
    try {
      const b = randomBatch(FIVE, 3, 12, wideBox);
      const s = spyGradientCalls(five);
      await fgsm.search(s.model, b, { norm: 'linf', eps: 0.1 }, params({ targeted: 'next' }), { seed: 1 });
      await fgsm.search(s.model, b, { norm: 'linf', eps: 0.1 }, params({ targeted: 'least-likely', loss: 'dlr' }), { seed: 1 });
      await fgsm.search(s.model, b, { norm: 'linf', eps: 0.1 }, params(), { seed: 1 });
      expect(s.calls[0].target).toEqual(Array.from(b.y, (y) => (y + 1) % 5));
      expect(s.calls[1].target).toEqual([...Array(b.n)].map((_, i) => { const z = logitsOf(FIVE, row(b.x, i, 8)); return z.indexOf(Math.min(...z)); }));
      expect(s.calls[1].loss).toBe('dlr');
      expect(s.calls[2].target).toBeUndefined();
      // One gradient call for the whole batch.
      expect(s.calls.map((c) => c.n)).toEqual([12, 12, 12]);
    } finally { await five.close(); }
  });

  it('when run twice, then the candidates are identical', async () => {
    const b = randomBatch(TWO, 4, 10, wideBox);
    const a = await fgsm.search(two, b, { norm: 'l2', eps: 0.2 }, params(), { seed: 1 });
    const c = await fgsm.search(two, b, { norm: 'l2', eps: 0.2 }, params(), { seed: 2 });
    expect(Array.from(c.xAdv)).toEqual(Array.from(a.xAdv));
  });

  it.each([[{ loss: 'hinge' }], [{ targeted: true }], [{ eot: -1 }], [{ straightThrough: 1 }], [{ steps: 10 }]])(
    'when params are %j, then runAttack rejects them with UsageError', async (bad) => {
      const b = randomBatch(TWO, 4, 2, wideBox);
      await expect(runAttack(fgsm, two, b, { norm: 'linf', eps: 0.1 }, bad, { seed: 1 })).rejects.toThrow(UsageError);
    });

  it('when DLR is asked of a 2-class model, or targeted DLR of a 3-class one, then UsageError names the class count', async () => {
    const b = randomBatch(TWO, 4, 2, wideBox);
    await expect(runAttack(fgsm, two, b, { norm: 'linf', eps: 0.1 }, { loss: 'dlr' }, { seed: 1 })).rejects.toThrow(/at least 3 classes/);
    const t: AttackBatch = { x: Float32Array.from(TOY.x), n: 1, y: Int32Array.of(0), lower: new Float32Array(6).fill(-10), upper: new Float32Array(6).fill(10) };
    await expect(runAttack(fgsm, toy, t, { norm: 'linf', eps: 0.1 }, { loss: 'dlr', targeted: 'next' }, { seed: 1 })).rejects.toThrow(/at least 4 classes/);
  });

  it('when the signal has fired, then the search stops with CancelledError before any gradient call', async () => {
    const ac = new AbortController();
    ac.abort();
    const s = spyGradientCalls(two);
    await expect(fgsm.search(s.model, randomBatch(TWO, 4, 2, wideBox), { norm: 'linf', eps: 0.1 }, params(), { seed: 1, signal: ac.signal })).rejects.toThrow(CancelledError);
    expect(s.calls).toHaveLength(0);
  });
});

describe('fgsm on the fixture CNN', () => {
  let cnn: Model;
  beforeAll(async () => { cnn = await loadModel('fixtures/models/cnn.onnx', { inProcess: true }); });
  afterAll(async () => { await cnn.close(); });

  // Independent reference: PyTorch float64 autograd gradients (fixtures/golden/cnn.npz, first 8
  // eval images, targets (y + 1) mod 10 = the 'next' mode). FGSM must step along their sign (L∞)
  // or direction (L2); elements whose reference gradient is ~0 have no well-defined sign.
  const golden = readNpz(readFileSync('fixtures/golden/cnn.npz'));
  const gx = golden.get('x')!.data as Float32Array;
  const gy = Int32Array.from(golden.get('y')!.data as ArrayLike<number | bigint>, Number);
  const n = gy.length, per = gx.length / n;

  it.each([['ce', 'none'], ['cw', 'none'], ['dlr', 'none'], ['ce', 'next'], ['cw', 'next'], ['dlr', 'next']] as const)(
    'when the loss is %s (targeted: %s), then FGSM agrees with x + ε·sign(∇) of the torch reference (L∞) and its direction (L2)', async (loss, targeted) => {
      const ref = golden.get(`grad_${loss}${targeted === 'next' ? '_t' : ''}`)!.data as Float64Array;
      const eps = 0.1;
      const b: AttackBatch = { x: gx, n, y: gy, lower: new Float32Array(gx.length), upper: new Float32Array(gx.length).fill(1) };
      const linf = await fgsm.search(cnn, b, { norm: 'linf', eps }, params({ loss, targeted }), { seed: 1 });
      let compared = 0, mismatched = 0;
      for (let i = 0; i < n; i++) {
        let max = 0;
        for (let k = i * per; k < (i + 1) * per; k++) max = Math.max(max, Math.abs(ref[k]));
        for (let k = i * per; k < (i + 1) * per; k++) {
          if (Math.abs(ref[k]) <= 1e-4 * max) continue;
          const want = Math.min(1, Math.max(0, gx[k] + eps * Math.sign(ref[k])));
          if (!(Math.abs(linf.xAdv[k] - want) < 1e-6)) mismatched++;
          compared++;
        }
      }
      expect(mismatched).toBe(0);
      expect(compared).toBeGreaterThan(0.5 * gx.length);
      const wide: AttackBatch = { ...b, lower: new Float32Array(gx.length).fill(-10), upper: new Float32Array(gx.length).fill(10) };
      const l2 = await fgsm.search(cnn, wide, { norm: 'l2', eps: 1 }, params({ loss, targeted }), { seed: 1 });
      for (let i = 0; i < n; i++) {
        let dot = 0, nd = 0, nr = 0;
        for (let k = i * per; k < (i + 1) * per; k++) {
          const d = l2.xAdv[k] - gx[k];
          dot += d * ref[k]; nd += d * d; nr += ref[k] * ref[k];
        }
        expect(Math.sqrt(nd)).toBeCloseTo(1, 4);
        expect(dot / Math.sqrt(nd * nr)).toBeGreaterThan(0.9999);
      }
    });

  it('when ε = 0.3 (L∞), then most points break; at ε = 0.1 many stay robust', async () => {
    const data = sliceEvalSet(loadEvalSet('fixtures/data/mnist-eval.npz'), 0, 40);
    const batch: AttackBatch = { x: data.x, n: data.n, y: data.y, lower: data.lower, upper: data.upper };
    const seen: number[] = [];
    const strong = await runAttack(fgsm, cnn, batch, { norm: 'linf', eps: 0.3 }, {}, { seed: 1, onProgress: (p) => seen.push(p.robustAccuracy) });
    const weak = await runAttack(fgsm, cnn, batch, { norm: 'linf', eps: 0.1 }, {}, { seed: 1 });
    // Measured on these 40 points: 0.075 and 0.775.
    expect(robustAccuracy(strong)).toBeLessThan(0.25);
    expect(robustAccuracy(weak)).toBeGreaterThan(0.5);
    expect(strong.gradientCalls).toBe(strong.cleanCorrect.reduce((s, v) => s + v, 0));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeLessThan(0.3);
  });
});
