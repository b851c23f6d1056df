import { join } from 'node:path';
import { UsageError } from '../errors';
import { loadEvalSet } from '../data';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { pgd } from './pgd';
import { runAttack, robustAccuracy } from './run';
import { argmaxRows, selectRows } from './tensor';
import { TARGET_BPDA, straightThroughModel, transferAttack } from './transfer';
import { AttackBatch, AttackModel, AttackResult, LogitsModel } from './types';
import { TOY, linearModel } from './testing/linear-model';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const N = 40;
const EPS = 0.15;
const PGD = { steps: 10 };

function firstN(n: number): AttackBatch {
  const d = loadEvalSet(join(FIXTURES, 'data', 'mnist-eval.npz'));
  const per = d.x.length / d.n;
  const idx = [...Array(n).keys()];
  return { x: selectRows(d.x, per, idx), n, y: d.y.slice(0, n), lower: selectRows(d.lower, per, idx), upper: selectRows(d.upper, per, idx) };
}

/** Every declared success is misclassified by the target, within ε. */
async function expectVerifiedOnTarget(target: Model, b: AttackBatch, r: AttackResult, eps: number): Promise<void> {
  const pred = argmaxRows(await target.predict(r.xAdv, b.n), b.n);
  for (let i = 0; i < b.n; i++) {
    expect(r.norms[i]).toBeLessThanOrEqual(eps);
    if (r.success[i]) expect(pred[i]).not.toBe(b.y[i]);
    else expect(pred[i]).toBe(b.y[i]);
  }
}

describe('transferAttack', () => {
  let cnn: Model, cnnTwin: Model, resnet: Model;
  const batch = firstN(N);
  beforeAll(async () => {
    [cnn, cnnTwin, resnet] = await Promise.all([
      loadModel(join(FIXTURES, 'models', 'cnn.onnx'), { inProcess: true }),
      loadModel(join(FIXTURES, 'models', 'cnn.onnx'), { inProcess: true }),
      loadModel(join(FIXTURES, 'models', 'resnet.onnx'), { inProcess: true }),
    ]);
  });
  afterAll(async () => { await Promise.all([cnn, cnnTwin, resnet].map((m) => m?.close())); });

  it('when the surrogate is the same CNN, then transfer PGD breaks as many points as direct PGD and costs the target no gradients', async () => {
    const threat = { norm: 'linf' as const, eps: EPS };
    const direct = await runAttack(pgd, cnn, batch, threat, PGD, { seed: 3 });
    const def = transferAttack(cnnTwin, pgd, PGD);
    const viaTwin = await runAttack(def, cnn, batch, threat, {}, { seed: 3 });
    const brokenDirect = direct.success.reduce((s, v) => s + v, 0);
    const brokenTransfer = viaTwin.success.reduce((s, v) => s + v, 0);
    expect(Math.abs(brokenTransfer - brokenDirect)).toBeLessThanOrEqual(1);
    expect(robustAccuracy(viaTwin)).toBeLessThan(1 - 0.3);
    expect(viaTwin.gradientCalls).toBe(0);
    expect(def.surrogateCalls().gradient).toBeGreaterThanOrEqual(N * 0.5);
    expect(viaTwin.attack).toBe('transfer(pgd)');
    await expectVerifiedOnTarget(cnn, batch, viaTwin, EPS);
  });

  it('when the surrogate is a different model, then its examples are verified on the target (and transfer from the CNN to the resnet)', async () => {
    const threat = { norm: 'linf' as const, eps: 0.3 };
    // resnet → CNN: the resnet's own PGD examples (it is broken at ε = 0.15 already) rarely fool the CNN;
    // whatever is declared broken must be broken on the CNN.
    const fromResnet = transferAttack(resnet, pgd, PGD);
    const r = await runAttack(fromResnet, cnn, batch, threat, {}, { seed: 1 });
    await expectVerifiedOnTarget(cnn, batch, r, 0.3);
    expect(r.gradientCalls).toBe(0);
    expect(fromResnet.surrogateCalls().gradient).toBeGreaterThan(0);
    // CNN → resnet: these do transfer.
    const toResnet = await runAttack(transferAttack(cnnTwin, pgd, PGD), resnet, batch, threat, {}, { seed: 1 });
    await expectVerifiedOnTarget(resnet, batch, toResnet, 0.3);
    expect(robustAccuracy(toResnet)).toBeLessThan(0.5);
    expect(toResnet.gradientCalls).toBe(0);
  });

  it('when the target answers only predict, then a transfer attack still runs (the surrogate carries the gradients)', async () => {
    const blackBox: LogitsModel = { info: cnn.info, predict: cnn.predict.bind(cnn), counters: cnn.counters.bind(cnn) };
    const def = transferAttack(cnnTwin, pgd, { steps: 5 });
    expect(def.needs).toBe('logits');
    const r = await runAttack(def, blackBox, batch, { norm: 'l2', eps: 2 }, {}, { seed: 1 });
    expect(r.success.reduce((s, v) => s + v, 0)).toBeGreaterThan(0);
    await expect(runAttack(pgd, blackBox, batch, { norm: 'l2', eps: 2 }, {}, { seed: 1 })).rejects.toThrow(/needs gradients/);
  });

  it('when the surrogate is the target itself (BPDA), then every gradient call is straight-through', async () => {
    const seen: (boolean | undefined)[] = [];
    const spy: AttackModel = {
      info: cnn.info, predict: (x, n, o) => cnn.predict(x, n, o), counters: () => cnn.counters(),
      lossAndGrad: (x, n, y, o) => { seen.push(o.straightThrough); return cnn.lossAndGrad(x, n, y, o); },
    };
    const def = transferAttack(TARGET_BPDA, pgd, { steps: 3 });
    expect(def.needs).toBe('gradients');
    const r = await runAttack(def, spy, batch, { norm: 'linf', eps: EPS }, {}, { seed: 2 });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s === true)).toBe(true);
    expect(r.gradientCalls).toBeGreaterThan(0); // counted on the target: it is the surrogate
    expect(def.surrogateCalls()).toEqual({ forward: 0, gradient: 0 });
  });

  it('when straightThrough is set, then a separate surrogate is differentiated straight-through', async () => {
    const seen: (boolean | undefined)[] = [];
    const spy: AttackModel = {
      info: cnnTwin.info, predict: (x, n, o) => cnnTwin.predict(x, n, o), counters: () => cnnTwin.counters(),
      lossAndGrad: (x, n, y, o) => { seen.push(o.straightThrough); return cnnTwin.lossAndGrad(x, n, y, o); },
    };
    await runAttack(transferAttack(spy, pgd, { steps: 2 }), cnn, batch, { norm: 'linf', eps: EPS }, { straightThrough: true }, { seed: 2 });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s === true)).toBe(true);
    seen.length = 0;
    await runAttack(transferAttack(spy, pgd, { steps: 2 }), cnn, batch, { norm: 'linf', eps: EPS }, {}, { seed: 2 });
    expect(seen.every((s) => s === false)).toBe(true); // pgd's own default
    const st = straightThroughModel(spy);
    seen.length = 0;
    await st.lossAndGrad(batch.x.subarray(0, 784), 1, batch.y.subarray(0, 1), { loss: 'ce' });
    expect(seen).toEqual([true]);
  });

  it('when the inner parameters are invalid, then the factory throws UsageError naming the inner attack', () => {
    expect(() => transferAttack(cnnTwin, pgd, { steps: -1 })).toThrow(UsageError);
    expect(() => transferAttack(cnnTwin, pgd, { nope: 1 })).toThrow(/pgd/);
  });

  it('when the transfer parameters are invalid, then runAttack rejects them', async () => {
    await expect(runAttack(transferAttack(cnnTwin, pgd, {}), cnn, batch, { norm: 'linf', eps: EPS }, { steps: 3 }, { seed: 1 }))
      .rejects.toThrow(UsageError);
  });

  it('when the surrogate takes other inputs or classes, then UsageError names both', async () => {
    const toy = await linearModel(TOY.lin);
    try {
      await expect(runAttack(transferAttack(toy, pgd, {}), cnn, batch, { norm: 'linf', eps: EPS }, {}, { seed: 1 }))
        .rejects.toThrow(/surrogate takes \[6\] per sample but the target takes \[1, 28, 28\]/);
    } finally {
      await toy.close();
    }
  });
});
