import { CancelledError, UsageError } from '../errors';
import { loadEvalSet, sliceEvalSet } from '../data';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { pgd, PgdParams } from './pgd';
import { parseParams, robustAccuracy, runAttack } from './run';
import { TOY, linearModel, minimalPerturbation } from './testing/linear-model';
import { AttackBatch, Norm } from './types';
import {
  expectBrokenExactly, expectInThreatSet, expectMissesAtWrongOptima, linfBoxDistance, logitsOf, minimalPerturbations, randomBatch,
  randomLinear, row, wideBox,
} from './testing/random-linear';
import { spyGradientCalls } from './testing/spy';

const NORMS: Norm[] = ['linf', 'l2'];

const toyBatch = (lower = TOY.lower, upper = TOY.upper): AttackBatch => ({
  x: Float32Array.from(TOY.x), n: 1, y: Int32Array.of(TOY.y),
  lower: new Float32Array(TOY.x.length).fill(lower), upper: new Float32Array(TOY.x.length).fill(upper),
});

const params = (p: Partial<PgdParams> = {}): PgdParams => parseParams(pgd, p);

describe('pgd on linear models (closed-form minimal perturbation)', () => {
  let toy: Model;
  let two: Model;
  let five: Model;
  const TWO = randomLinear(5, 2, 8);
  const FIVE = randomLinear(7, 5, 8);
  beforeAll(async () => { [toy, two, five] = await Promise.all([linearModel(TOY.lin), linearModel(TWO), linearModel(FIVE)]); });
  afterAll(async () => { await Promise.all([toy.close(), two.close(), five.close()]); });

  // Where the property holds on the 3-class toy with default parameters. Left out, for stated reasons:
  // - CE in L2: CE's maximiser on the ε-sphere also raises the third logit and is not adversarial
  //   until ε ≈ 1.1·d (the known weakness of CE that motivates CW/DLR), so PGD-CE misses at 1.02·d;
  // - DLR in L∞: one coordinate first moves the wrong way (DLR's denominator), and the default path
  //   budget 2.5·ε (Madry's step) runs out before the corner; with restarts it breaks.
  // The break at 1.02·d is checked from x (randomStart off): from a random start the path budget
  // 2.5·ε does not always reach the boundary — measured over 1000–2000 seeds, default PGD breaks the toy
  // point at 1.02·d for ~98% of seeds in L∞/CW, ~73% in L2/CW and ~35% in L2/DLR (the same rates
  // with the shared stream used before per-sample streams), so a seeded random start would make
  // this a test of one lucky seed. The 0.98·d side keeps the random start.
  it.each([['linf', 'ce'], ['linf', 'cw'], ['l2', 'cw'], ['l2', 'dlr']] as const)(
    'when ε = 1.02·d (%s, %s loss), then the toy point is broken; at 0.98·d it is not', async (norm, loss) => {
      const d = minimalPerturbation(TOY.lin, TOY.x, TOY.y, norm);
      const hi = await runAttack(pgd, toy, toyBatch(), { norm, eps: 1.02 * d }, { loss, randomStart: false }, { seed: 1 });
      const lo = await runAttack(pgd, toy, toyBatch(), { norm, eps: 0.98 * d }, { loss }, { seed: 1 });
      expect(hi.success[0]).toBe(1);
      expect(hi.norms[0]).toBeLessThanOrEqual(1.02 * d);
      expect(lo.success[0]).toBe(0);
    });

  it('when DLR in L∞ gets restarts, then the toy point breaks at 1.02·d too', async () => {
    const d = minimalPerturbation(TOY.lin, TOY.x, TOY.y, 'linf');
    const r = await runAttack(pgd, toy, toyBatch(), { norm: 'linf', eps: 1.02 * d }, { loss: 'dlr', restarts: 5 }, { seed: 1 });
    expect(r.success[0]).toBe(1);
  });

  describe.each(NORMS)('%s', (norm) => {
    it.each(['ce', 'cw'] as const)('when attacking 60 points of a 2-class model (%s), then exactly those with ε ≥ 1.02·d break', async (loss) => {
      // Two classes: every loss is monotone in the one linear margin, so the ascent direction is
      // constant and PGD reaches the optimal point of the ball: the property is exact.
      const b = randomBatch(TWO, 21, 60, wideBox);
      const ds = minimalPerturbations(TWO, b, norm);
      const eps = [...ds].sort((u, v) => u - v)[30];
      const cand = await pgd.search(two, b, { norm, eps }, params({ loss }), { seed: 2 });
      expectInThreatSet(cand.xAdv, b, norm, eps);
      const r = await runAttack(pgd, two, b, { norm, eps }, { loss }, { seed: 2 });
      expect(expectBrokenExactly(r.success, ds, eps)).toBeGreaterThanOrEqual(55);
    });

    it('when attacking 60 points of a 5-class model (CW), then none below 0.98·d breaks and every miss above 1.02·d is a local maximum of the ascent', async () => {
      // CW ascent has genuine local maxima on multi-class linear models: the optimal point of a
      // wrong class k that is also the top wrong class there. A miss must sit (within a few
      // steps) at such a point; anything else would be the implementation's fault. Three times
      // the default budget (Madry's step, 300 steps) so that the L2 ascent has converged.
      const b = randomBatch(FIVE, 11, 60, wideBox);
      const ds = minimalPerturbations(FIVE, b, norm);
      const eps = [...ds].sort((u, v) => u - v)[30];
      const p = { loss: 'cw' as const, steps: 300, stepSize: (2.5 * eps) / 100 };
      const cand = await pgd.search(five, b, { norm, eps }, params(p), { seed: 2 });
      const r = await runAttack(pgd, five, b, { norm, eps }, p, { seed: 2 });
      expect(expectMissesAtWrongOptima(FIVE, b, ds, r.success, cand.xAdv, norm, eps)).toBeLessThanOrEqual(3);
    });

    it('when the box binds, then candidates stay in the box and the ε-ball', async () => {
      const b = randomBatch(FIVE, 12, 30, (x, rng) => [x.map((v) => v - 0.3 * rng()), x.map((v) => v + 0.3 * rng())]);
      for (const loss of ['ce', 'cw'] as const) {
        const cand = await pgd.search(five, b, { norm, eps: 0.5 }, params({ loss, steps: 30 }), { seed: 3 });
        expectInThreatSet(cand.xAdv, b, norm, 0.5);
      }
    });
  });

  it('when an L∞ box binds (2 classes), then points break exactly when ε exceeds the box-constrained distance by 2%', async () => {
    const b = randomBatch(TWO, 13, 60, (x, rng) => [x.map((v) => v - 0.4 * rng()), x.map((v) => v + 0.4 * rng())]);
    const ds = [...Array(b.n)].map((_, i) => linfBoxDistance(TWO, row(b.x, i, 8), b.y[i], row(b.lower, i, 8), row(b.upper, i, 8)));
    const free = minimalPerturbations(TWO, b, 'linf');
    expect(ds.filter((v, i) => v > free[i] * 1.05).length).toBeGreaterThan(5); // the box really binds for some
    const eps = [...ds].filter(Number.isFinite).sort((u, v) => u - v)[25];
    const cand = await pgd.search(two, b, { norm: 'linf', eps }, params({ loss: 'cw' }), { seed: 4 });
    expectInThreatSet(cand.xAdv, b, 'linf', eps);
    const r = await runAttack(pgd, two, b, { norm: 'linf', eps }, { loss: 'cw' }, { seed: 4 });
    expect(expectBrokenExactly(r.success, ds, eps)).toBeGreaterThanOrEqual(50);
  });

  it('when a point cannot be broken, then the candidate is the highest-loss iterate (the optimal CW corner)', async () => {
    const d = minimalPerturbation(TOY.lin, TOY.x, TOY.y, 'linf');
    const eps = 0.9 * d;
    const cand = await pgd.search(toy, toyBatch(), { norm: 'linf', eps }, params({ loss: 'cw' }), { seed: 5 });
    const z = logitsOf(TOY.lin, Float32Array.from(TOY.x));
    const best = Math.max(...[1, 2].map((j) => z[j] - z[0] + eps * TOY.lin.W[j].reduce((s, w, k) => s + Math.abs(w - TOY.lin.W[0][k]), 0)));
    const za = logitsOf(TOY.lin, cand.xAdv);
    expect(Math.max(za[1], za[2]) - za[0]).toBeGreaterThan(best - 1e-5);
  });

  it('when points break early, then they leave the batch; unbroken points get every restart', async () => {
    const d = minimalPerturbation(TOY.lin, TOY.x, TOY.y, 'linf');
    const s1 = spyGradientCalls(toy);
    const easy = await runAttack(pgd, s1.model, toyBatch(), { norm: 'linf', eps: 3 * d }, { steps: 50, restarts: 3 }, { seed: 1 });
    expect(easy.success[0]).toBe(1);
    expect(s1.calls.length).toBeLessThan(50);
    const s2 = spyGradientCalls(toy);
    await runAttack(pgd, s2.model, toyBatch(), { norm: 'linf', eps: 0.5 * d }, { steps: 20, restarts: 3 }, { seed: 1 });
    expect(s2.calls.length).toBe(3 * 21);
  });

  it('when targeted "next" with a large ε, then the candidate reaches the target class', async () => {
    const b = randomBatch(FIVE, 14, 20, wideBox);
    const s = spyGradientCalls(five);
    const cand = await pgd.search(s.model, b, { norm: 'linf', eps: 3 }, params({ targeted: 'next', steps: 50 }), { seed: 1 });
    expect(s.calls[0].target).toEqual(Array.from(b.y, (y) => (y + 1) % 5));
    // Early stop is on any misclassification; ascend the targeted CE to the end with randomStart off only through success.
    for (let i = 0; i < b.n; i++) {
      const z = logitsOf(FIVE, cand.xAdv.subarray(i * 8, (i + 1) * 8));
      expect(z.indexOf(Math.max(...z))).not.toBe(b.y[i]);
    }
  });

  it('when targeted "least-likely", then each target is the class of lowest clean logit', async () => {
    const b = randomBatch(FIVE, 15, 10, wideBox);
    const s = spyGradientCalls(five);
    await pgd.search(s.model, b, { norm: 'l2', eps: 0.01 }, params({ targeted: 'least-likely', steps: 2 }), { seed: 1 });
    const want = [...Array(b.n)].map((_, i) => { const z = logitsOf(FIVE, b.x.subarray(i * 8, (i + 1) * 8)); return z.indexOf(Math.min(...z)); });
    expect(s.calls[0].target).toEqual(want);
  });

  it('when straightThrough is set, then every gradient call asks for BPDA', async () => {
    const s = spyGradientCalls(toy);
    await pgd.search(s.model, toyBatch(), { norm: 'linf', eps: 0.01 }, params({ straightThrough: true, steps: 3 }), { seed: 1 });
    expect(s.calls.map((c) => c.straightThrough)).toEqual([true, true, true, true]);
  });

  it('when the schedule is cosine, then PGD still breaks the toy point at 1.02·d (with a step large enough to cross the ball)', async () => {
    for (const norm of NORMS) {
      const d = minimalPerturbation(TOY.lin, TOY.x, TOY.y, norm);
      const eps = 1.02 * d;
      const r = await runAttack(pgd, toy, toyBatch(), { norm, eps }, { loss: 'cw', schedule: 'cosine', stepSize: (5 * eps) / 100 }, { seed: 1 });
      expect(r.success[0]).toBe(1);
    }
  });

  it('when run twice with one seed, then the candidates are identical; another seed starts elsewhere', async () => {
    const b = randomBatch(FIVE, 16, 10, wideBox);
    const p = params({ steps: 5 });
    const a = await pgd.search(five, b, { norm: 'l2', eps: 0.05 }, p, { seed: 42 });
    const a2 = await pgd.search(five, b, { norm: 'l2', eps: 0.05 }, p, { seed: 42 });
    const c = await pgd.search(five, b, { norm: 'l2', eps: 0.05 }, p, { seed: 43 });
    expect(Array.from(a2.xAdv)).toEqual(Array.from(a.xAdv));
    expect(Array.from(c.xAdv)).not.toEqual(Array.from(a.xAdv));
  });

  it.each([
    [{ steps: 0 }], [{ steps: 2.5 }], [{ restarts: 0 }], [{ stepSize: -1 }], [{ stepSize: 0 }], [{ loss: 'mse' }],
    [{ targeted: 'random' }], [{ schedule: 'linear' }], [{ eot: 0 }], [{ randomStart: 'yes' }], [{ stpes: 10 }],
  ])('when params are %j, then runAttack rejects them with UsageError', async (bad) => {
    await expect(runAttack(pgd, toy, toyBatch(), { norm: 'linf', eps: 0.1 }, bad, { seed: 1 })).rejects.toThrow(UsageError);
  });

  it('when the DLR loss is asked of a 2-class model, then UsageError says it needs 3 classes', async () => {
    const two = await linearModel({ W: [[1, 0], [0, 1]], b: [0, 0] });
    try {
      const b: AttackBatch = { x: Float32Array.of(1, 0), n: 1, y: Int32Array.of(0), lower: Float32Array.of(-5, -5), upper: Float32Array.of(5, 5) };
      await expect(runAttack(pgd, two, b, { norm: 'linf', eps: 0.1 }, { loss: 'dlr' }, { seed: 1 })).rejects.toThrow(/at least 3 classes/);
    } finally { await two.close(); }
  });

  it('when the signal fires during the run, then the search stops with CancelledError', async () => {
    const ac = new AbortController();
    const s = spyGradientCalls(toy);
    const d = minimalPerturbation(TOY.lin, TOY.x, TOY.y, 'linf');
    await expect(pgd.search(s.model, toyBatch(), { norm: 'linf', eps: 0.5 * d }, params({ steps: 100 }),
      { seed: 1, signal: ac.signal, onProgress: () => ac.abort() })).rejects.toThrow(CancelledError);
    expect(s.calls.length).toBeLessThan(20);
  });

  it('when progress is reported, then done counts iterations up to total and robust accuracy falls as points break', async () => {
    const seen: { done: number; total: number; robustAccuracy: number }[] = [];
    const b = randomBatch(FIVE, 17, 20, wideBox);
    await pgd.search(five, b, { norm: 'linf', eps: 0.3 }, params({ steps: 20, restarts: 2 }), { seed: 1, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const p of seen) { expect(p.total).toBe(42); expect(p.done).toBeLessThanOrEqual(p.total); }
    expect(seen[0].robustAccuracy).toBeGreaterThanOrEqual(seen[seen.length - 1].robustAccuracy);
  });
});

describe('pgd on the fixture CNN (smoke)', () => {
  let cnn: Model;
  const data = sliceEvalSet(loadEvalSet('fixtures/data/mnist-eval.npz'), 0, 30);
  const batch: AttackBatch = { x: data.x, n: data.n, y: data.y, lower: data.lower, upper: data.upper };
  beforeAll(async () => { cnn = await loadModel('fixtures/models/cnn.onnx', { inProcess: true }); });
  afterAll(async () => { await cnn.close(); });

  // 30 points and 20 steps keep the test fast. Measured robust accuracy on these 30 points:
  // 0.667 (ε = 0.1) and 0 (ε = 0.3) with 20 steps; 0.633 and 0 with the default 100.
  it('when ε = 0.3 (L∞), then most points break; at ε = 0.1 many stay robust', async () => {
    const strong = await runAttack(pgd, cnn, batch, { norm: 'linf', eps: 0.3 }, { steps: 20 }, { seed: 1 });
    const weak = await runAttack(pgd, cnn, batch, { norm: 'linf', eps: 0.1 }, { steps: 20 }, { seed: 1 });
    expect(robustAccuracy(strong)).toBeLessThan(0.2);
    expect(robustAccuracy(weak)).toBeGreaterThan(0.3);
    expect(robustAccuracy(weak)).toBeGreaterThanOrEqual(robustAccuracy(strong));
    for (const r of [strong, weak]) for (let i = 0; i < r.n; i++) if (r.success[i] && r.cleanCorrect[i]) expect(r.norms[i]).toBeLessThanOrEqual(r === strong ? 0.3 : 0.1);
  });
});
