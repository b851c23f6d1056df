import { z } from 'zod';
import { UsageError } from '../errors';
import { runAttack, robustAccuracy } from './run';
import { AttackBatch, AttackDefinition, GradientModel, LogitsModel } from './types';
import { TOY, linearModel, minimalPerturbation } from './testing/linear-model';
import { Model } from '../model/model';

/** A fake attack proposing a fixed candidate: lets the tests drive the verifier directly. */
function proposing(candidate: (b: AttackBatch) => Float32Array): AttackDefinition<{ k?: number }> {
  return { name: 'fixed', paper: '-', needs: 'logits', params: z.object({ k: z.number().int().positive().optional() }), search: async (_m, b) => ({ xAdv: candidate(b) }) };
}

function batchOf(x: number[], y: number): AttackBatch {
  return { x: Float32Array.from(x), n: 1, y: Int32Array.of(y), lower: new Float32Array(x.length).fill(TOY.lower), upper: new Float32Array(x.length).fill(TOY.upper) };
}

describe('runAttack (the verifier)', () => {
  let model: Model;
  beforeAll(async () => { model = await linearModel(TOY.lin); });
  afterAll(async () => { await model.close(); });

  // The boundary direction for linf: δ = −t·sign(w_y − w_j*) for the closest class j*.
  const toward = (t: number) => {
    const d = minimalPerturbation(TOY.lin, TOY.x, TOY.y, 'linf');
    const W = TOY.lin.W;
    let jBest = 1;
    let best = Infinity;
    for (const j of [1, 2]) {
      const diff = W[0].map((v, k) => v - W[j][k]);
      const zj = (W[0].reduce((s, w, k) => s + w * TOY.x[k], TOY.lin.b[0]) - W[j].reduce((s, w, k) => s + w * TOY.x[k], TOY.lin.b[j])) / diff.reduce((s, v) => s + Math.abs(v), 0);
      if (zj < best) { best = zj; jBest = j; }
    }
    const diff = W[0].map((v, k) => v - W[jBest][k]);
    return { d, xAdv: TOY.x.map((v, k) => v - t * Math.sign(diff[k])) };
  };

  it('when the candidate crosses the boundary inside ε, then success is declared with its true norm', async () => {
    const { d, xAdv } = toward(0);
    const cand = toward(d * 1.01).xAdv;
    const r = await runAttack(proposing(() => Float32Array.from(cand)), model, batchOf(TOY.x, TOY.y), { norm: 'linf', eps: d * 1.05 }, {}, { seed: 1 });
    expect(r.success[0]).toBe(1);
    expect(r.norms[0]).toBeCloseTo(d * 1.01, 5);
    expect(robustAccuracy(r)).toBe(0);
    void xAdv;
  });

  it('when the candidate lies outside ε, then it is projected back and (ε below the boundary) not a success', async () => {
    const { d } = toward(0);
    const far = toward(d * 3).xAdv;
    const r = await runAttack(proposing(() => Float32Array.from(far)), model, batchOf(TOY.x, TOY.y), { norm: 'linf', eps: d * 0.9 }, {}, { seed: 1 });
    expect(r.success[0]).toBe(0);
    expect(r.norms[0]).toBe(0);
    expect(Array.from(r.xAdv)).toEqual(Array.from(Float32Array.from(TOY.x)));
  });

  it('when the candidate leaves the box, then it is clipped into it before the check', async () => {
    const r = await runAttack(proposing((b) => b.x.map(() => 99)), model, { ...batchOf(TOY.x, TOY.y), upper: new Float32Array(6).fill(0.7) }, { norm: 'linf', eps: 5 }, {}, { seed: 1 });
    for (const v of r.xAdv) expect(v).toBeLessThanOrEqual(0.7);
  });

  it('when the candidate is NaN, then it is discarded, never counted', async () => {
    const r = await runAttack(proposing((b) => b.x.map(() => NaN)), model, batchOf(TOY.x, TOY.y), { norm: 'l2', eps: 100 }, {}, { seed: 1 });
    expect(r.success[0]).toBe(0);
  });

  it('when the clean point is already misclassified, then it counts as broken with δ = 0 and is not attacked', async () => {
    let called = 0;
    const def = proposing((b) => { called += b.n; return b.x; });
    const r = await runAttack(def, model, batchOf(TOY.x, 1), { norm: 'linf', eps: 0.1 }, {}, { seed: 1 });
    expect(r.cleanCorrect[0]).toBe(0);
    expect(r.success[0]).toBe(1);
    expect(called).toBe(0);
  });

  it('when parameters are invalid, then UsageError names the attack and field', async () => {
    await expect(runAttack(proposing((b) => b.x), model, batchOf(TOY.x, 0), { norm: 'linf', eps: 0.1 }, { k: -1 }, { seed: 1 }))
      .rejects.toThrow(UsageError);
    await expect(runAttack(proposing((b) => b.x), model, batchOf(TOY.x, 0), { norm: 'linf', eps: -1 }, {}, { seed: 1 }))
      .rejects.toThrow(/eps/);
  });

  it('when the batch carries ids, then the search sees the original ids of the clean-correct points; a wrong-length ids is a UsageError', async () => {
    const other = TOY.x.map((v) => -v); // classified differently from TOY.y
    const two: AttackBatch = { ...batchOf([...other, ...TOY.x], TOY.y), n: 2, y: Int32Array.of(TOY.y, TOY.y), ids: Int32Array.of(40, 41) };
    let seen: number[] | undefined;
    const spy = proposing((b) => { seen = b.ids && Array.from(b.ids); return b.x; });
    const r = await runAttack(spy, model, two, { norm: 'linf', eps: 0.1 }, {}, { seed: 1 });
    expect(Array.from(r.cleanCorrect)).toEqual([0, 1]);
    expect(seen).toEqual([41]);
    await expect(runAttack(spy, model, { ...two, ids: Int32Array.of(1) }, { norm: 'linf', eps: 0.1 }, {}, { seed: 1 })).rejects.toThrow(UsageError);
  });

  it('when a logits-only attack runs on a model that answers only logits, then it searches with predict; a gradient attack is refused', async () => {
    const logitsOnly: LogitsModel = { info: model.info, predict: (x, n, o) => model.predict(x, n, o), counters: () => model.counters() };
    const queries: AttackDefinition<Record<string, never>, 'logits'> = {
      name: 'queries', paper: '-', needs: 'logits', params: z.object({}).strict(),
      search: async (m, b) => { await m.predict(b.x, b.n); return { xAdv: b.x }; },
    };
    const grads: AttackDefinition<Record<string, never>, 'gradients'> = {
      name: 'grads', paper: '-', needs: 'gradients', params: z.object({}).strict(),
      search: async (m: GradientModel, b) => { await m.lossAndGrad(b.x, b.n, b.y, { loss: 'ce' }); return { xAdv: b.x }; },
    };
    const r = await runAttack(queries, logitsOnly, batchOf(TOY.x, TOY.y), { norm: 'linf', eps: 0.01 }, {}, { seed: 1 });
    expect(r.gradientCalls).toBe(0);
    await expect(runAttack(grads, logitsOnly, batchOf(TOY.x, TOY.y), { norm: 'linf', eps: 0.01 }, {}, { seed: 1 })).rejects.toThrow(/grads needs gradients/);
  });
});
