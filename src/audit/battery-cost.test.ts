/**
 * The audit cost estimate: hand-computed figures for the quick preset, the effect of classes and
 * random ops, and — on the fixture CNN with a tiny battery — that it bounds the passes a real
 * audit makes (the runtime's counters count every sample through predict and lossAndGrad).
 */
import { join } from 'node:path';
import { ATTACK_NAMES } from '../attacks';
import { fileSha256, loadEvalSet, sliceEvalSet } from '../data';
import { loadModel } from '../model/load';
import { runAudit } from './audit';
import { battery } from './battery';
import { auditCost, GRADIENT_PASS, stageCost } from './battery-cost';
import { tinyBattery } from './testing/tiny-battery';

describe('auditCost', () => {
  test('when the quick preset audits 1000 points of a 10-class model then the passes are the hand-computed ones', () => {
    // Per point and stage: the search, plus runAttack's clean and verification predicts (2 forward).
    const apgdCe = { f: 2, g: 51 }; // 50 steps + the start
    const apgdT = { f: 3 + 2, g: 3 * 51 }; // 3 targets: a ranking predict and an APGD run each
    const fabT = { f: 1 + 3 * 50 + (1 + 3) + 2, g: 2 * 3 * 50 }; // clean predict; 3 targets × 50 steps × (2 gradients + 1 predict); final search
    const square = { f: 1000 + 2, g: 0 };
    const altPgd = { f: 2, g: 61 };
    const cascade = { f: apgdCe.f + apgdT.f + fabT.f + square.f + altPgd.f, g: apgdCe.g + apgdT.g + fabT.g + square.g + altPgd.g };
    expect(cascade).toEqual({ f: 1168, g: 565 });
    // apgd-ce 100 steps: rounds of 2, 2 and 4 restarts.
    const convergence = { f: 3 * 2, g: (2 + 2 + 4) * 101 };
    const sweep = { f: 2 * 2, g: 2 * 51 };
    const minimal = { f: 1 + 2 * 50 + (1 + 3) + 1, g: 2 * 2 * 50 };
    const hypocritical = { f: 1, g: 51 };
    const clean = { f: 1, g: 0 };
    const fullBox = { f: 2 + cascade.f + convergence.f, g: 21 + cascade.g + convergence.g }; // PGD 20 steps first
    const n = 1000;
    const forward = n * (clean.f + cascade.f + convergence.f + sweep.f + minimal.f + hypocritical.f) + 50 * fullBox.f + 64 * 2;
    const gradient = n * (cascade.g + convergence.g + sweep.g + minimal.g + hypocritical.g) + 50 * fullBox.g + 64 * 2;
    expect([forward, gradient]).toEqual([1_344_928, 1_795_828]);

    const c = auditCost(battery('quick'), { numClasses: 10 }, n);
    expect(c.total).toEqual({ forward, gradient });
    expect(c.phases.battery).toEqual({ forward: n * 1168, gradient: n * 565 });
    expect(c.phases.fullBox).toEqual({ forward: 50 * fullBox.f, gradient: 50 * fullBox.g });
    expect(c.forwardEquivalents).toBe(forward + GRADIENT_PASS * gradient);
    expect(c.perPoint).toBeCloseTo(6732.412, 6);
  });

  test('when a stage leaves its parameters out then the attack defaults count (standard APGD-T: 9 targets, 100 steps)', () => {
    expect(stageCost({ attack: 'apgd-t', params: {}, origin: 'battery' }, 10)).toEqual({ forward: 9 + 2, gradient: 9 * 101 });
    expect(stageCost({ attack: 'square', params: {}, origin: 'battery' }, 10)).toEqual({ forward: 5000 + 2, gradient: 0 });
    expect(stageCost({ attack: 'transfer', params: { attack: 'pgd', params: { steps: 9 } }, origin: 'transfer' }, 10)).toEqual({ forward: 2, gradient: 10 });
  });

  test('when an attack is in the registry then the table has its formula', () => {
    for (const attack of ATTACK_NAMES) expect(stageCost({ attack, params: {}, origin: 'battery' }, 10).forward).toBeGreaterThanOrEqual(2);
  });

  test('when the model has few classes then targets are clamped to classes − 1', () => {
    expect(stageCost({ attack: 'apgd-t', params: {}, origin: 'battery' }, 3)).toEqual({ forward: 2 + 2, gradient: 2 * 101 });
    expect(auditCost(battery('standard'), { numClasses: 3 }, 100).perPoint).toBeLessThan(auditCost(battery('standard'), { numClasses: 10 }, 100).perPoint);
  });

  test('when the model has random ops then EOT draws multiply the gradients and an APGD-DLR stage is added', () => {
    const det = auditCost(battery('quick'), { numClasses: 10 }, 100);
    const rnd = auditCost(battery('quick'), { numClasses: 10, random: true }, 100);
    // apgd-ce with EOT (5 draws) and the added apgd-dlr: 2 × 5 × 51 gradients per point.
    expect(rnd.phases.battery.gradient - det.phases.battery.gradient).toBeGreaterThanOrEqual(100 * (2 * 5 * 51 - 51));
    expect(rnd.phases.clean.forward).toBe(100 * 10);
    expect(rnd.perPoint).toBeGreaterThan(2 * det.perPoint);
  });

  test('when the standard preset audits the fixture CNN then its figures are what the docs quote', () => {
    const c = auditCost(battery('standard'), { numClasses: 10 }, 500);
    expect(Math.round(c.perPoint)).toBe(STANDARD_500_PER_POINT);
  });
});

/** Forward-pass equivalents per point of the standard preset on 500 points, 10 classes (docs/service.md). */
const STANDARD_500_PER_POINT = 36_580;

describe('auditCost bounds a real audit', () => {
  test('when a tiny audit runs on the fixture CNN then the passes it counts stay under the estimate', async () => {
    const FIX = join(__dirname, '..', '..', 'fixtures');
    const DATA = join(FIX, 'data', 'mnist-eval.npz');
    const model = await loadModel(join(FIX, 'models', 'cnn.onnx'), { inProcess: true, threads: 1 });
    try {
      const data = sliceEvalSet(loadEvalSet(DATA), 0, 20);
      const b = tinyBattery();
      const before = model.counters();
      // A small ε: few points break, so most stages run to their budget and the bound is nearly tight.
      await runAudit({ model, modelName: 'cnn.onnx', data, dataName: 'mnist-eval.npz', dataSha256: fileSha256(DATA), threat: { norm: 'linf', eps: 0.01 }, seed: 1, battery: b });
      const after = model.counters();
      const ran = { forward: after.forward - before.forward, gradient: after.gradient - before.gradient };
      const est = auditCost(b, { numClasses: model.info.numClasses }, data.n);
      expect(ran.forward).toBeLessThanOrEqual(est.total.forward);
      expect(ran.gradient).toBeLessThanOrEqual(est.total.gradient);
      // Not a loose bound: the audit makes most of what the estimate counts.
      const ranEquivalents = ran.forward + GRADIENT_PASS * ran.gradient;
      // Measured: 3412 forward and 3633 gradient passes (14,311 forward equivalents) against an estimate of 4942 and 9002 (31,948).
      expect(ranEquivalents).toBeGreaterThan(0.3 * est.forwardEquivalents);
    } finally {
      await model.close();
    }
  }, 120_000);
});
