/**
 * Never weaker: on every fixture model, the cascade of all attacks (STYLE.md §10) is at least as
 * strong as each attack run alone with the same settings and seed — in robust accuracy, and per
 * point: robust in the cascade ⇒ robust under every single attack.
 *
 * This holds only if an attack does to a point exactly what it does when it runs on a subset of
 * the batch (a cascade stage attacks only the points still robust). Randomness is what can break
 * that: a random start drawn from one stream for the whole batch gives a point different draws in
 * a subset. Attacks therefore draw from one stream per sample, seeded from (ctx.seed, the
 * sample's index in the original batch) — `sampleRng` and `AttackBatch.ids` — and the second
 * block checks that mechanism directly: each attack's outcome for a point is bit-identical in the
 * full batch and in a subset.
 *
 * Cheap settings (the property does not depend on the budget) so the file runs in well under
 * 2 minutes on 2 cores: 30 points, one L∞ ε per model where robust accuracy is intermediate.
 */
import { readFileSync } from 'node:fs';
import { ATTACKS, AttackName, CascadeStep, robustAccuracy, runAttack, runCascade } from '../src/attacks';
import { selectBatch } from '../src/attacks/tensor';
import { AttackBatch, AttackResult, ThreatModel } from '../src/attacks/types';
import { loadEvalSet } from '../src/data';
import { Model } from '../src/model/model';
import { loadModel } from '../src/model/load';
import { mulberry32, sampleRng } from '../src/util/random';
import { fixturePath } from './support/fixtures';

const N = 30;
const SEED = 1;

/** Every attack of the battery, in cascade order, with cheap settings. */
const BATTERY: readonly [AttackName, Record<string, unknown>][] = [
  ['fgsm', {}],
  ['pgd', { steps: 10 }],
  ['apgd-ce', { steps: 10 }],
  ['apgd-dlr', { steps: 10 }],
  ['apgd-t', { steps: 10, targetClasses: 2 }],
  ['fab-t', { steps: 10, targetClasses: 2 }],
  ['square', { queries: 200 }],
  ['alt-pgd', { steps: 12 }],
];

/**
 * L∞ ε per fixture model where robust accuracy on the first 30 points is intermediate (clean
 * accuracy 1 on all five; cascade 0.47–0.63 with seed 1, docs/attacks.md; asserted below to be
 * strictly between 0 and clean accuracy).
 */
const EPS: Record<string, number> = { cnn: 0.1, resnet: 0.03, cnn_softmax: 0.1, tf_nhwc: 0.08, matlab_opset8: 0.05 };

interface ManifestEntry { onnx: string; eval: string }
const MODELS = Object.entries(JSON.parse(readFileSync(fixturePath('manifest.json'), 'utf8')).models as Record<string, ManifestEntry>);

function firstN(evalFile: string, n: number): AttackBatch {
  const d = loadEvalSet(fixturePath(evalFile));
  return selectBatch({ x: d.x, n: d.n, y: d.y, lower: d.lower, upper: d.upper }, [...Array(n).keys()]);
}

const count = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);

describe('the cascade of all attacks is never weaker than any attack alone', () => {
  it('when the fixture manifest is read, then every model has an ε here', () => {
    expect(MODELS.map(([name]) => name).sort()).toEqual(Object.keys(EPS).sort());
  });

  describe.each(MODELS)('%s', (name, entry) => {
    let model: Model;
    beforeAll(async () => { model = await loadModel(fixturePath(entry.onnx), { inProcess: true }); });
    afterAll(async () => { await model?.close(); });

    it(`when all attacks run as a cascade on ${N} points, then robust accuracy ≤ each attack alone, and every point robust in the cascade is robust under every attack`, async () => {
      const batch = firstN(entry.eval, N);
      const threat: ThreatModel = { norm: 'linf', eps: EPS[name] };
      const alone = new Map<AttackName, AttackResult>();
      for (const [attack, params] of BATTERY) alone.set(attack, await runAttack(ATTACKS[attack], model, batch, threat, params, { seed: SEED }));
      const steps: CascadeStep[] = BATTERY.map(([attack, params]) => ({ attack: ATTACKS[attack], params }));
      const cascade = await runCascade(model, batch, threat, steps, { seed: SEED });
      const ra = robustAccuracy(cascade);

      const stronger: string[] = [];
      for (const [attack, r] of alone) {
        if (!(ra <= robustAccuracy(r))) stronger.push(`${attack} alone: robust accuracy ${robustAccuracy(r)} < cascade ${ra}`);
        expect(Array.from(r.cleanCorrect)).toEqual(Array.from(cascade.cleanCorrect));
      }
      expect(stronger).toEqual([]);
      const weaker: string[] = [];
      for (let i = 0; i < N; i++) {
        if (!cascade.cleanCorrect[i] || cascade.success[i]) continue;
        for (const [attack, r] of alone) if (r.success[i]) weaker.push(`point ${i}: robust in the cascade, broken by ${attack} alone`);
      }
      expect(weaker).toEqual([]);
      // With batch-invariant attacks each stage does to a point what its attack does alone, so a
      // point the cascade breaks was broken by that stage's attack alone.
      const unexplained: string[] = [];
      for (let i = 0; i < N; i++) {
        const k = cascade.brokenBy[i];
        if (k >= 0 && !alone.get(BATTERY[k][0])!.success[i]) unexplained.push(`point ${i}: broken by stage ${BATTERY[k][0]}, not by it alone`);
      }
      expect(unexplained).toEqual([]);
      // Not vacuous: ε leaves some points robust and breaks some clean-correct ones.
      expect(ra).toBeGreaterThan(0);
      expect(ra).toBeLessThan(count(cascade.cleanCorrect) / N);
    });
  });
});

describe('batch-invariant attack randomness', () => {
  it('when sample streams are drawn, then they depend on (seed, id, stream) only and look uniform', () => {
    const draw = (seed: number, id: number, stream = 0) => { const r = sampleRng(seed, id, stream); return [r(), r(), r()]; };
    expect(draw(1, 5)).toEqual(draw(1, 5));
    expect(draw(1, 5, 2)).toEqual(draw(1, 5, 2));
    const distinct = new Set([draw(1, 5), draw(1, 6), draw(2, 5), draw(1, 5, 1), draw(0, 0), draw(0, 0, 1), draw(0, 1)].map((d) => d.join()));
    expect(distinct.size).toBe(7);
    // First draws across ids (what the first sample of every stream sees): mean ≈ 1/2, var ≈ 1/12.
    const v = Array.from({ length: 20000 }, (_, id) => sampleRng(7, id)());
    const mean = v.reduce((s, a) => s + a, 0) / v.length;
    const variance = v.reduce((s, a) => s + (a - mean) ** 2, 0) / v.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003);
    // Streams of neighbouring ids are not correlated.
    const a = sampleRng(7, 100), b = sampleRng(7, 101);
    const pairs = Array.from({ length: 5000 }, () => [a() - 0.5, b() - 0.5]);
    const corr = pairs.reduce((s, [p, q]) => s + p * q, 0) / pairs.length / (1 / 12);
    expect(Math.abs(corr)).toBeLessThan(0.05);
    expect(mulberry32(3)()).toBe(mulberry32(3)());
  });

  describe('on the fixture CNN', () => {
    let model: Model;
    beforeAll(async () => { model = await loadModel(fixturePath('models/cnn.onnx'), { inProcess: true }); });
    afterAll(async () => { await model?.close(); });

    // The battery, plus the random restarts of PGD and FAB-T (FAB's first run starts at x).
    const RANDOMISED: [AttackName, Record<string, unknown>][] = [
      ...BATTERY, ['pgd', { steps: 5, restarts: 2 }], ['fab-t', { steps: 5, targetClasses: 1, restarts: 2 }],
    ];
    it.each(RANDOMISED)('when %s %j runs on a subset of the batch carrying the original ids, then each point gets exactly its full-batch outcome', async (attack, params) => {
      const batch = firstN('data/mnist-eval.npz', 20);
      const threat: ThreatModel = { norm: 'linf', eps: 0.1 };
      const per = batch.x.length / batch.n;
      const subset = [1, 4, 5, 8, 11, 12, 17, 19];
      const full = await runAttack(ATTACKS[attack], model, batch, threat, params, { seed: SEED });
      const part = await runAttack(ATTACKS[attack], model, selectBatch(batch, subset), threat, params, { seed: SEED });
      const differ: number[] = [];
      subset.forEach((i, j) => {
        const same = full.success[i] === part.success[j]
          && full.xAdv.subarray(i * per, (i + 1) * per).every((v, k) => Object.is(v, part.xAdv[j * per + k]));
        if (!same) differ.push(i);
      });
      expect(differ).toEqual([]);
      // Not vacuous: the subset mixes broken and robust points for the attacks that break any.
      if (attack !== 'square' && attack !== 'fgsm') expect(count(part.success)).toBeGreaterThan(0);
    });
  });
});
