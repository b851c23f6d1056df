import { join } from 'node:path';
import { CancelledError, UsageError } from '../errors';
import { loadEvalSet } from '../data';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { fgsm } from './fgsm';
import { pgd } from './pgd';
import { runCascade } from './cascade';
import { runAttack, robustAccuracy } from './run';
import { argmaxRows, selectRows } from './tensor';
import { AttackBatch, AttackProgress } from './types';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const N = 50;
const THREAT = { norm: 'linf' as const, eps: 0.1 };
// randomStart off keeps this test independent of random draws. (Random starts are batch-invariant
// too: each sample draws from its own stream, seeded from ctx.seed and its original-batch index,
// so running an attack on a subset, as a cascade does, gives each point exactly its full-batch
// outcome; test/never-weaker.test.ts checks this for every attack.)
const PGD10 = { steps: 10, randomStart: false };

function firstN(n: number): AttackBatch {
  const d = loadEvalSet(join(FIXTURES, 'data', 'mnist-eval.npz'));
  const per = d.x.length / d.n;
  const idx = [...Array(n).keys()];
  return { x: selectRows(d.x, per, idx), n, y: d.y.slice(0, n), lower: selectRows(d.lower, per, idx), upper: selectRows(d.upper, per, idx) };
}

const count = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);

describe('runCascade', () => {
  let cnn: Model;
  const batch = firstN(N);
  beforeAll(async () => { cnn = await loadModel(join(FIXTURES, 'models', 'cnn.onnx'), { inProcess: true }); });
  afterAll(async () => { await cnn?.close(); });

  it('when FGSM then PGD-10 run as a cascade, then its robust accuracy is at most each attack run alone, and each point records the first attack that broke it', async () => {
    const alone = {
      fgsm: await runAttack(fgsm, cnn, batch, THREAT, {}, { seed: 5 }),
      pgd: await runAttack(pgd, cnn, batch, THREAT, PGD10, { seed: 5 }),
    };
    const r = await runCascade(cnn, batch, THREAT, [{ attack: fgsm }, { attack: pgd, params: PGD10 }], { seed: 5 });
    const ra = robustAccuracy(r);
    expect(ra).toBeLessThanOrEqual(robustAccuracy(alone.fgsm));
    expect(ra).toBeLessThanOrEqual(robustAccuracy(alone.pgd));
    // The cascade breaks at least the union of what the attacks break alone.
    for (let i = 0; i < N; i++) if (alone.fgsm.success[i] || alone.pgd.success[i]) expect(r.success[i]).toBe(1);

    // Stage bookkeeping.
    const clean = count(r.cleanCorrect);
    expect(r.stages.map((s) => s.attack)).toEqual(['fgsm', 'pgd']);
    expect(r.stages[0].attacked).toBe(clean);
    expect(r.stages[0].broken).toBe(count(alone.fgsm.success) - (N - clean));
    expect(r.stages[1].attacked).toBe(clean - r.stages[0].broken);
    expect(r.stages[1].robustAccuracy).toBeCloseTo(ra, 12);
    expect(r.stages[0].robustAccuracy).toBeCloseTo(robustAccuracy(alone.fgsm), 12);
    expect(r.stages[1].params).toMatchObject({ steps: 10, randomStart: false, loss: 'ce' });
    expect(r.attack).toBe('fgsm → pgd');
    for (let k = 0; k < 2; k++) expect(Array.from(r.brokenBy).filter((b) => b === k).length).toBe(r.stages[k].broken);
    for (let i = 0; i < N; i++) {
      if (!r.cleanCorrect[i]) expect(r.brokenBy[i]).toBe(-1);
      else expect(r.brokenBy[i] >= 0).toBe(r.success[i] === 1);
      if (r.brokenBy[i] === 0) expect(alone.fgsm.success[i]).toBe(1);
    }
    expect(r.gradientCalls).toBeGreaterThanOrEqual(r.stages[0].gradientCalls + r.stages[1].gradientCalls);
    expect(r.forwardCalls).toBeGreaterThanOrEqual(N + r.stages[0].forwardCalls + r.stages[1].forwardCalls);

    // Every merged success is a verified adversarial example within ε.
    const pred = argmaxRows(await cnn.predict(r.xAdv, N), N);
    for (let i = 0; i < N; i++) {
      expect(r.norms[i]).toBeLessThanOrEqual(THREAT.eps);
      expect(pred[i] !== batch.y[i]).toBe(r.success[i] === 1);
      if (r.success[i]) expect(r.advPred[i]).toBe(pred[i]);
    }
    // Not a vacuous property: the attacks leave some points robust and PGD adds to FGSM.
    expect(ra).toBeGreaterThan(0);
    expect(ra).toBeLessThan(clean / N);
  });

  it('when a later stage has invalid parameters, then UsageError before any model call', async () => {
    const before = cnn.counters();
    await expect(runCascade(cnn, batch, THREAT, [{ attack: fgsm }, { attack: pgd, params: { steps: 0 } }], { seed: 1 }))
      .rejects.toThrow(UsageError);
    await expect(runCascade(cnn, batch, THREAT, [{ attack: fgsm }, { attack: pgd, params: { steps: 0 } }], { seed: 1 }))
      .rejects.toThrow(/pgd.*steps/);
    expect(cnn.counters()).toEqual(before);
  });

  it('when the list is empty, then robust accuracy is the clean accuracy', async () => {
    const r = await runCascade(cnn, batch, THREAT, [], { seed: 1 });
    expect(r.stages).toEqual([]);
    expect(robustAccuracy(r)).toBeCloseTo(count(r.cleanCorrect) / N, 12);
    expect(r.gradientCalls).toBe(0);
  });

  it('when everything is broken early, then later stages attack nothing and cost nothing', async () => {
    const r = await runCascade(cnn, batch, { norm: 'linf', eps: 1 }, [{ attack: pgd, params: PGD10 }, { attack: fgsm }], { seed: 1 });
    expect(r.stages[0].robustAccuracy).toBe(0);
    expect(r.stages[1]).toMatchObject({ attacked: 0, broken: 0, gradientCalls: 0, forwardCalls: 0, robustAccuracy: 0 });
  });

  it('when progress is reported, then robust accuracy is over the whole batch', async () => {
    const seen: AttackProgress[] = [];
    const r = await runCascade(cnn, batch, THREAT, [{ attack: fgsm }, { attack: pgd, params: PGD10 }], { seed: 5, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    for (const p of seen) {
      expect(p.robustAccuracy).toBeGreaterThanOrEqual(0);
      expect(p.robustAccuracy).toBeLessThanOrEqual(count(r.cleanCorrect) / N + 1e-12);
    }
    expect(seen.some((p) => p.attack === 'pgd')).toBe(true);
  });

  it('when the signal is aborted, then CancelledError', async () => {
    const c = new AbortController();
    c.abort();
    await expect(runCascade(cnn, batch, THREAT, [{ attack: fgsm }], { seed: 1, signal: c.signal })).rejects.toThrow(CancelledError);
  });
});
