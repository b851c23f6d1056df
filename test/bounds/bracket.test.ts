/**
 * The bracket: certified ≤ true robust accuracy ≤ attacked. Per point, a point certified by IBP is
 * never broken by APGD-CE on the same threat set (the soundness check of src/audit/certify.ts);
 * and a planted unsound rule (a Relu that narrows its interval) is caught by that same check.
 */
import { loadEvalSet } from '../../src/data';
import { loadModel } from '../../src/model/load';
import type { Model } from '../../src/model/model';
import { loadCertifier } from '../../src/model/certifier';
import { runAttack } from '../../src/attacks/run';
import { apgdCe } from '../../src/attacks/apgd';
import { assertSound, certifyPoints } from '../../src/audit/certify';
import { SoundnessViolation } from '../../src/errors';
import { boundRule } from '../../src/bounds/registry';
import type { BoundRule } from '../../src/bounds/types';
import { fixturePath } from '../support/fixtures';

const N = 60;
const data = loadEvalSet(fixturePath('data/mnist-eval.npz'));
const per = data.x.length / data.n;
const input = (eps: number) => ({
  x: data.x.subarray(0, N * per), y: data.y.subarray(0, N), n: N,
  lower: data.lower.subarray(0, N * per), upper: data.upper.subarray(0, N * per), norm: 'linf' as const, eps,
});

describe('certified and attacked on the fixture CNN', () => {
  let model: Model;
  beforeAll(async () => { model = await loadModel(fixturePath('models/cnn.onnx'), { inProcess: true, threads: 1 }); });
  afterAll(async () => { await model.close(); });

  const broken = async (eps: number) => {
    const r = await runAttack(apgdCe, model, input(eps), { norm: 'linf', eps }, { steps: 50 }, { seed: 0 });
    return Uint8Array.from(r.success, (s, i) => (s || !r.cleanCorrect[i] ? 1 : 0));
  };

  it.each([0.005, 0.01, 0.02])('when ε = %p, then every IBP-certified point survives APGD-CE', async (eps) => {
    const certifier = await loadCertifier(fixturePath('models/cnn.onnx'), { method: 'ibp', threads: 1 });
    try {
      const c = await certifyPoints(certifier, input(eps), 'ibp');
      const b = await broken(eps);
      expect(() => assertSound(c.certified, b, 'ibp')).not.toThrow();
      const certifiedN = c.certified.reduce((s, v) => s + v, 0);
      const robustN = b.reduce((s, v) => s + (v ? 0 : 1), 0);
      expect(certifiedN).toBeLessThanOrEqual(robustN);
      if (eps === 0.005) expect(certifiedN).toBeGreaterThan(N / 2); // not a vacuous bracket
    } finally {
      await certifier.close();
    }
  });

  it('when a planted Relu rule narrows its interval, then the soundness check stops the run', async () => {
    const unsound: BoundRule = {
      opType: 'Relu',
      // Collapses [lo, hi] to its midpoint: certifies points an attack can break.
      ibp: (ctx) => {
        const x = ctx.interval(0);
        const mid = ctx.op('Relu', [ctx.op('Mul', [ctx.op('Add', [x.lo, x.hi]), ctx.scalar(0.5)])]);
        return [{ lo: mid, hi: mid }];
      },
    };
    const rules = (op: string) => (op === 'Relu' ? unsound : boundRule(op));
    const eps = 0.1;
    const certifier = await loadCertifier(fixturePath('models/cnn.onnx'), { method: 'ibp', threads: 1, rules });
    const c = await certifyPoints(certifier, input(eps), 'ibp');
    await certifier.close();
    const b = await broken(eps);
    expect(c.certified.some((v, i) => v && b[i])).toBe(true);
    expect(() => assertSound(c.certified, b, 'ibp (planted)')).toThrow(SoundnessViolation);
  });
});
