import { CancelledError, UsageError } from '../errors';
import { hypocriticalSchema } from '../schema/report';
import type { Model } from '../model/model';
import { argmaxRows, selectBatch } from '../attacks/tensor';
import { Linear, linearModel, minimalPerturbation, noisyLinearModel } from '../attacks/testing/linear-model';
import { expectInThreatSet, randomBatch, randomLinear, row, wideBox } from '../attacks/testing/random-linear';
import { AttackBatch, AttackModel, Norm } from '../attacks/types';
import { findFixable, hypocriticalRisk, HypocriticalOptions } from './hypocritical';
import { clopperPearson } from '../util/clopper-pearson';

const NORMS: Norm[] = ['linf', 'l2'];
const D = 8;

/** A 2-class batch whose labels are all flipped: every point is misclassified, at distance d from its true region. */
function flipped(lin: Linear, seed: number, n: number, norm: Norm): { batch: AttackBatch; d: number[] } {
  const b = randomBatch(lin, seed, n, wideBox);
  const d = [...Array(n)].map((_, i) => minimalPerturbation(lin, row(b.x, i, D), b.y[i], norm));
  return { batch: { ...b, y: Int32Array.from(b.y, (c) => 1 - c) }, d };
}

/** One row of a batch as its own batch (keeping its id). */
function single(b: AttackBatch, i: number): AttackBatch {
  return selectBatch(b, [i]);
}

/** Wraps a model: counts predict calls, records gradient-call options, and optionally rewrites the gradient call's logits. */
function wrap(model: AttackModel, lieLogits?: (logits: Float32Array, y: Int32Array) => Float32Array) {
  const calls = { predict: 0, grad: [] as { n: number; loss: string; target?: number[]; straightThrough?: boolean }[], xs: [] as Float32Array[] };
  const m: AttackModel = {
    info: model.info,
    counters: () => model.counters(),
    predict: (x, n, o) => { calls.predict++; return model.predict(x, n, o); },
    lossAndGrad: async (x, n, y, o) => {
      calls.grad.push({ n, loss: o.loss, target: o.target && Array.from(o.target), straightThrough: o.straightThrough });
      calls.xs.push(Float32Array.from(x));
      const r = await model.lossAndGrad(x, n, y, o);
      return lieLogits ? { ...r, logits: lieLogits(r.logits, y) } : r;
    },
  };
  return { model: m, calls };
}

const opts = (o: Partial<HypocriticalOptions> = {}): HypocriticalOptions => ({ substandardBelow: 0.9, ...o });

describe('hypocritical risk on linear models (closed-form distance to the true region)', () => {
  const TWO = randomLinear(5, 2, D);
  const FIVE = randomLinear(7, 5, D);
  let two: Model;
  let five: Model;
  beforeAll(async () => { [two, five] = await Promise.all([linearModel(TWO), linearModel(FIVE)]); });
  afterAll(async () => { await Promise.all([two.close(), five.close()]); });

  // Two classes: the targeted CE toward y is monotone in the one linear margin, so its ascent
  // direction is constant and PGD reaches the best point of the ball: fixable exactly when d < ε.
  it.each(NORMS)('when a misclassified point is at distance d from its true region (%s), then it is fixable at 1.1·d and not at 0.9·d', async (norm) => {
    const { batch, d } = flipped(TWO, 11, 30, norm);
    for (let i = 0; i < batch.n; i++) {
      const b = single(batch, i);
      const hi = await findFixable(two, b, { norm, eps: 1.1 * d[i] }, opts(), { seed: 3 });
      const lo = await findFixable(two, b, { norm, eps: 0.9 * d[i] }, opts(), { seed: 3 });
      expect({ i, d: d[i], hi: hi.fixable[0], lo: lo.fixable[0] }).toEqual({ i, d: d[i], hi: 1, lo: 0 });
      expectInThreatSet(hi.xFixed, b, norm, 1.1 * d[i]);
      expect(argmaxRows(await two.predict(hi.xFixed, 1), 1)[0]).toBe(b.y[0]);
    }
  });

  it.each(NORMS)('when a batch mixes distances (%s), then exactly the points with d < ε are fixable, whatever the batch', async (norm) => {
    const { batch, d } = flipped(TWO, 12, 40, norm);
    const eps = [...d].sort((a, b) => a - b)[20];
    const r = await findFixable(two, batch, { norm, eps }, opts(), { seed: 4 });
    let checked = 0;
    d.forEach((di, i) => {
      if (eps >= 1.05 * di) { expect({ i, fixable: r.fixable[i] }).toEqual({ i, fixable: 1 }); checked++; }
      if (eps <= 0.95 * di) { expect({ i, fixable: r.fixable[i] }).toEqual({ i, fixable: 0 }); checked++; }
    });
    expect(checked).toBeGreaterThanOrEqual(30);
    expectInThreatSet(r.xFixed, batch, norm, eps);
    // Batch invariance: a subset (keeping ids) draws the same starts and finds the same points.
    const idx = [3, 7, 8, 20, 31, 39];
    const sub = await findFixable(two, selectBatch(batch, idx), { norm, eps }, opts(), { seed: 4 });
    expect(Array.from(sub.fixable)).toEqual(idx.map((i) => r.fixable[i]));
    expect(Array.from(sub.xFixed)).toEqual(idx.flatMap((i) => row(r.xFixed, i, D)));
  });

  it('when some points are classified correctly, then only the misclassified ones are attacked and counted', async () => {
    // 5 classes, huge ε (box [−10, 10]): every misclassified point can be moved into its true region.
    const b = randomBatch(FIVE, 13, 24, wideBox);
    const y = Int32Array.from(b.y, (c, i) => (i % 3 === 0 ? (c + 1 + (i % 4)) % 5 : c)); // every third point relabelled
    const wrong = [...y.keys()].filter((i) => y[i] !== b.y[i]);
    const spy = wrap(five);
    const r = await findFixable(spy.model, { ...b, y }, { norm: 'linf', eps: 8 }, opts({ steps: 50 }), { seed: 5 });
    expect(wrong.length).toBe(8);
    expect([...r.fixable.keys()].filter((i) => r.fixable[i])).toEqual(wrong);
    expect(spy.calls.grad[0]).toEqual({ n: wrong.length, loss: 'ce', target: wrong.map((i) => y[i]), straightThrough: false });
    const h = await hypocriticalRisk(five, { ...b, y }, { norm: 'linf', eps: 8 }, opts({ steps: 50 }), { seed: 5 });
    expect([h.misclassified, h.fixable]).toEqual([8, 8]);
    expect(h.fakedAccuracy).toBe(1);
  });

  it('when the gradient call\'s logits claim the true class but a fresh forward pass does not, then nothing is counted', async () => {
    const { batch, d } = flipped(TWO, 14, 10, 'linf');
    const eps = 0.5 * Math.min(...d);
    const liar = wrap(two, (logits, y) => Float32Array.from(logits, (_, k) => (k % 2 === y[Math.floor(k / 2)] ? 100 : -100)));
    const lied = await findFixable(liar.model, batch, { norm: 'linf', eps }, opts(), { seed: 6 });
    expect(liar.calls.grad).toHaveLength(1); // every point "fixed" at the random start ...
    expect(Array.from(lied.fixable)).toEqual(new Array(10).fill(0)); // ... and none verified
    expect(Array.from(lied.xFixed)).toEqual(Array.from(batch.x));
    // At ε = 1.1·max d the honest search fixes every point; the liar stops at each random start,
    // and only the starts that really are classified y survive verification.
    const eps2 = 1.1 * Math.max(...d);
    const honest = await findFixable(two, batch, { norm: 'linf', eps: eps2 }, opts(), { seed: 6 });
    const far = await findFixable(liar.model, batch, { norm: 'linf', eps: eps2 }, opts(), { seed: 6 });
    expect(honest.fixable.reduce((s, v) => s + v, 0)).toBe(10);
    const truth = argmaxRows(await two.predict(far.xFixed, 10), 10);
    expect(Array.from(far.fixable)).toEqual(Array.from(truth, (c, i) => (c === batch.y[i] ? 1 : 0)));
    expect(far.fixable.reduce((s, v) => s + v, 0)).toBeLessThan(10);
  });

  it('when summarised, then risk, faked accuracy, per-class figures and the substandard verdicts follow the counts', async () => {
    // 40 points; pick 6 correct, 2 misclassified far inside ε and 2 far outside: clean 6/10, fixable 2/10.
    const base = randomBatch(TWO, 15, 40, wideBox);
    const d = [...Array(40)].map((_, i) => minimalPerturbation(TWO, row(base.x, i, D), base.y[i], 'linf'));
    const order = [...d.keys()].sort((a, b) => d[a] - d[b]);
    const eps = d[order[20]];
    const near = order.slice(0, 2), far = order.slice(-2), correct = order.slice(5, 11);
    const idx = [...correct, ...near, ...far];
    const sub = selectBatch(base, idx);
    const y = Int32Array.from(sub.y, (c, j) => (j >= 6 ? 1 - c : c));
    const batch = { ...sub, y };
    const results = await Promise.all([0.5, 0.75, 0.85].map((s) => hypocriticalRisk(two, batch, { norm: 'linf', eps }, opts({ substandardBelow: s }), { seed: 7 })));
    for (const h of results) {
      expect(hypocriticalSchema.parse(h)).toEqual(h);
      expect([h.misclassified, h.fixable, h.risk, h.fakedAccuracy, h.eps, h.attack]).toEqual([4, 2, 0.2, 0.8, eps, 'pgd-toward-label']);
      const expectClass = (label: number) => {
        const js = [...y.keys()].filter((j) => y[j] === label);
        const m = js.filter((j) => j >= 6).length, f = js.filter((j) => j === 6 || j === 7).length;
        return { label, n: js.length, misclassified: m, fixable: f, risk: js.length ? f / js.length : null, riskInterval: js.length ? clopperPearson(f, js.length) : null };
      };
      expect(h.perClass).toEqual([expectClass(0), expectClass(1)]);
    }
    expect(results.map((h) => [h.substandardBelow, h.substandard, h.fakeable])).toEqual([[0.5, false, false], [0.75, true, true], [0.85, true, false]]);
    expect(results[0].params).toEqual({ norm: 'linf', steps: 100, restarts: 1, stepSize: (2.5 * eps) / 100, randomStart: true, eot: 1, straightThrough: false, loss: 'ce-targeted-true-label' });
  });

  it('when cleanPred is given, then the clean predict is skipped and the given predictions decide what is attacked', async () => {
    const { batch } = flipped(TWO, 16, 6, 'linf');
    const spy = wrap(two);
    const truePred = Int32Array.from(batch.y, (c) => 1 - c);
    const claimed = Int32Array.from(truePred, (c, i) => (i < 2 ? batch.y[i] : c)); // claim points 0, 1 are correct
    const r = await findFixable(spy.model, batch, { norm: 'linf', eps: 5 }, opts({ cleanPred: claimed, steps: 20 }), { seed: 8 });
    expect(spy.calls.grad[0].n).toBe(4);
    expect(spy.calls.predict).toBe(1); // verification only
    expect(Array.from(r.fixable)).toEqual([0, 0, 1, 1, 1, 1]);
    expect(r.cleanPred).toBe(claimed);
  });

  it('when straightThrough and restarts are set, then every gradient call asks for BPDA and restarts attack only unfixed points', async () => {
    const { batch, d } = flipped(TWO, 17, 8, 'linf');
    const eps = [...d].sort((a, b) => a - b)[4];
    const spy = wrap(two);
    const progress: { done: number; total: number; robustAccuracy: number }[] = [];
    await findFixable(spy.model, batch, { norm: 'linf', eps }, opts({ steps: 10, restarts: 3, straightThrough: true }),
      { seed: 9, onProgress: (p) => progress.push(p) });
    expect(spy.calls.grad.every((c) => c.straightThrough === true && c.loss === 'ce')).toBe(true);
    // ε = the median distance: about half the points stay unfixed through all 11 iterates of run 1.
    const n = spy.calls.grad.map((c) => c.n);
    expect(n).toHaveLength(33);
    expect(n[0]).toBe(8);
    expect(n[11]).toBeGreaterThan(0);
    expect(n[11]).toBeLessThan(8);
    expect(n[11]).toBe(n[10]);
    // Each restart starts from fresh random points: no start of run 2 repeats one of run 1 (nor run 3 one of run 2).
    const rows = (k: number) => [...Array(n[k]).keys()].map((j) => Array.from(spy.calls.xs[k].subarray(j * D, (j + 1) * D)).join());
    expect(rows(11).filter((r) => rows(0).includes(r))).toEqual([]);
    expect(rows(22).filter((r) => rows(11).includes(r))).toEqual([]);
    expect(progress.at(-1)).toEqual({ attack: 'pgd-toward-label', done: 33, total: 33, robustAccuracy: expect.any(Number) });
    expect(progress.at(-1)!.robustAccuracy).toBeGreaterThan(0);
    expect(progress.at(-1)!.robustAccuracy).toBeLessThan(1);
  });

  it('when a model with random ops names the true class in only a third of fresh draws, then the candidate is not verified', async () => {
    const { batch } = flipped(TWO, 20, 1, 'linf');
    let calls = 0;
    // Every third predict says y, the others the wrong class: a single draw would accept the first call.
    const fickle: AttackModel = {
      info: { ...two.info, random: ["RandomNormalLike 'fake'"] },
      counters: () => two.counters(),
      lossAndGrad: (x, n, y, o) => two.lossAndGrad(x, n, y, o),
      predict: async (x, n) => {
        const say = calls++ % 3 === 0 ? batch.y[0] : 1 - batch.y[0];
        return Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === say ? 1 : 0));
      },
    };
    const r = await findFixable(fickle, batch, { norm: 'linf', eps: 0.01 }, opts({ steps: 3, cleanPred: Int32Array.of(1 - batch.y[0]) }), { seed: 1, successDraws: 9 });
    expect(calls).toBe(9);
    expect(r.fixable[0]).toBe(0);
    calls = 0;
    const once = await findFixable(fickle, batch, { norm: 'linf', eps: 0.01 }, opts({ steps: 3, cleanPred: Int32Array.of(1 - batch.y[0]) }), { seed: 1, successDraws: 1 });
    expect(once.fixable[0]).toBe(1); // the same vote with one draw accepts it: the draw count matters
  });

  it.each([
    ['steps is 0', { steps: 0 }, /steps/],
    ['substandardBelow is above 1', { substandardBelow: 1.5 }, /substandardBelow/],
    ['an option is unknown', { stepz: 3 } as Partial<HypocriticalOptions>, /stepz/],
    ['cleanPred has the wrong length', { cleanPred: new Int32Array(2) }, /cleanPred has 2 entries for 3 points/],
  ])('when %s, then a UsageError names it', async (_, o, msg) => {
    const { batch } = flipped(TWO, 18, 3, 'linf');
    const run = () => hypocriticalRisk(two, batch, { norm: 'linf', eps: 0.1 }, opts(o), { seed: 1 });
    await expect(run()).rejects.toThrow(UsageError);
    await expect(run()).rejects.toThrow(msg);
  });

  it('when a label is outside the model\'s classes, then a UsageError', async () => {
    const { batch } = flipped(TWO, 18, 3, 'linf');
    await expect(findFixable(two, { ...batch, y: Int32Array.of(0, 2, 1) }, { norm: 'linf', eps: 0.1 }, opts(), { seed: 1 })).rejects.toThrow(/label 2 of point 1/);
  });

  it('when the signal is aborted, then CancelledError', async () => {
    const { batch } = flipped(TWO, 19, 4, 'linf');
    const ac = new AbortController();
    const run = findFixable(two, batch, { norm: 'linf', eps: 0.01 }, opts({ steps: 1000 }), {
      seed: 1, signal: ac.signal, onProgress: (p) => { if (p.done >= 5) ac.abort(); },
    });
    await expect(run).rejects.toThrow(CancelledError);
  });
});


describe('hypocritical risk on a randomized model is decided by a majority vote', () => {
  // z1 − z0 = (x1 − x0) + noise, σ_margin = 0.1. x = (0.5, 0) labelled 1 is misclassified with
  // margin −0.5 = −5σ. The best L∞ point moves the margin by +2ε: at ε = 0.225 it stays at −0.05
  // (a single draw says "1" with p ≈ 0.31), at ε = 0.3 it reaches +0.1 (p ≈ 0.84). ONNX Runtime's
  // noise is unseeded: a wrong 101-draw majority has probability ≲ 1e-3 at these margins.
  const LIN: Linear = { W: [[1, 0], [0, 1]], b: [0, 0] };
  let noisy: Model;
  const batch = (): AttackBatch => ({ x: Float32Array.of(0.5, 0), n: 1, y: Int32Array.of(1), lower: Float32Array.of(-5, -5), upper: Float32Array.of(5, 5) });
  beforeAll(async () => { noisy = await noisyLinearModel(LIN, 0.1 / Math.SQRT2); });
  afterAll(async () => { await noisy.close(); });

  it.each([[0.3, 1], [0.225, 0]])('when ε = %s, then fixable = %s', async (eps, expected) => {
    const r = await hypocriticalRisk(noisy, batch(), { norm: 'linf', eps }, opts({ steps: 50, eot: 8 }), { seed: 1, successDraws: 101 });
    expect(r.misclassified).toBe(1);
    expect(r.fixable).toBe(expected);
    expect(r.params).toMatchObject({ eot: 8 });
  });
});
