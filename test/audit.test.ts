/**
 * The audit use case end to end on the fixture CNN, with a small battery (the property does not
 * depend on the budget): the audit's robust accuracy is the per-point minimum over its stages —
 * a point robust in the audit is robust under every stage's attack run alone on the whole set —
 * and never above the best single attack; the report validates and its figures agree with each other.
 */
import { getAttack, runAttack } from '../src/attacks';
import { loadEvalSet, sliceEvalSet, fileSha256 } from '../src/data';
import { runAuditWithExamples } from '../src/audit/audit';
import { CHECK_IDS } from '../src/audit/checks';
import { argmaxRows } from '../src/attacks/tensor';
import { tinyBattery } from '../src/audit/testing/tiny-battery';
import { reportSchema } from '../src/schema/report';
import { Model } from '../src/model/model';
import { loadModel } from '../src/model/load';
import { fixturePath } from './support/fixtures';

const N = 40;
const EPS = 0.1;
const SEED = 5;


let model: Model;
beforeAll(async () => { model = await loadModel(fixturePath('models/cnn.onnx'), { inProcess: true }); });
afterAll(() => model.close());

describe('runAudit on the fixture CNN', () => {
  it('robust accuracy is the per-point minimum over the stages and never above the best single attack', async () => {
    const data = sliceEvalSet(loadEvalSet(fixturePath('data/mnist-eval.npz')), 0, N);
    const b = tinyBattery();
    const { report, adversarial: adv } = await runAuditWithExamples({
      model, modelName: 'cnn.onnx', data, dataName: 'mnist-eval.npz', dataSha256: fileSha256(fixturePath('data/mnist-eval.npz')),
      threat: { norm: 'linf', eps: EPS }, seed: SEED, battery: b, chunk: 16,
    });
    expect(reportSchema.safeParse(report).success).toBe(true);
    const robust = report.points.robust;
    const ra = robust.reduce<number>((s, v) => s + v, 0) / N;
    expect(report.robustAccuracy).toBeCloseTo(ra, 12);
    expect(ra).toBeGreaterThan(0);
    expect(ra).toBeLessThan(report.cleanAccuracy);

    // Stage records: every clean-correct point is either robust or broken by exactly one stage.
    const brokenTotal = report.stages.reduce((s, st) => s + st.broken, 0);
    expect(brokenTotal + robust.reduce<number>((s, v) => s + v, 0)).toBe(Math.round(report.cleanAccuracy * N));
    report.points.brokenBy.forEach((k, i) => {
      if (k >= 0) expect(robust[i]).toBe(0);
      if (robust[i]) expect(report.points.perturbationNorm[i]).toBe(0);
      else if (k >= 0) expect(report.points.perturbationNorm[i]).toBeLessThanOrEqual(EPS);
    });

    // Each stage alone on the whole set: robust in the audit ⇒ robust alone; audit RA ≤ every single RA.
    const batch = { x: data.x, n: N, y: data.y, lower: data.lower, upper: data.upper };
    const steps = [...b.stages, b.convergence];
    for (const s of steps) {
      const alone = await runAttack(getAttack(s.attack), model, batch, { norm: 'linf', eps: EPS }, s.params, { seed: SEED });
      let aloneRobust = 0;
      for (let i = 0; i < N; i++) {
        const r = alone.cleanCorrect[i] && !alone.success[i] ? 1 : 0;
        aloneRobust += r;
        if (robust[i]) expect({ point: i, attack: s.attack, robustAlone: r }).toEqual({ point: i, attack: s.attack, robustAlone: 1 });
      }
      expect(report.robustAccuracy).toBeLessThanOrEqual(aloneRobust / N);
    }

    // Every adversarial example behind the figure re-checks: a fresh forward pass misclassifies it, inside the ε-ball and the box.
    const broken = report.points.brokenBy.flatMap((k, i) => (k >= 0 ? [i] : []));
    expect([...adv.index]).toEqual(broken);
    const per = data.x.length / N;
    const pred = argmaxRows(await model.predict(adv.xAdv, adv.index.length), adv.index.length);
    adv.index.forEach((i, j) => {
      expect(pred[j]).not.toBe(data.y[i]);
      expect(pred[j]).toBe(adv.pred[j]);
      expect(adv.stage[j]).toBe(report.points.brokenBy[i]);
      let linf = 0;
      for (let k = 0; k < per; k++) {
        const v = adv.xAdv[j * per + k];
        expect(v >= data.lower[i * per + k] && v <= data.upper[i * per + k]).toBe(true);
        linf = Math.max(linf, Math.abs(v - data.x[i * per + k]));
      }
      expect(linf).toBeLessThanOrEqual(EPS);
      expect(linf).toBeCloseTo(adv.norm[j], 12);
    });

    // The other sections are filled and consistent.
    expect(report.sweep.points.map((p) => p.eps)).toEqual([EPS / 2, EPS]);
    expect(report.sweep.points[1].robustAccuracy).toBe(report.robustAccuracy);
    expect(report.sweep.minimalNorms!.found).toBeGreaterThan(0);
    expect(report.perClass.classes.reduce((s, c) => s + c.n, 0)).toBe(N);
    expect(report.hypocritical).not.toBeNull();
    expect(report.checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
    expect(report.checks.find((c) => c.id === 'zero-gradients')!.status).toBe('pass');
    expect(report.checks.find((c) => c.id === 'randomized-outputs')!.status).toBe('pass');
    expect(report.checks.find((c) => c.id === 'full-box-not-zero')!.status).toBe('pass');
    expect(report.flags).toEqual(report.checks.filter((c) => c.status === 'flag').map((c) => c.id));
    expect(report.adaptations).toEqual([]);
    expect(report.gate!.policy.name).toBe('default');
    expect(report.environment.onnxruntime).toMatch(/^\d+\.\d+/);
  }, 180_000);
});
