/**
 * The bracket: certified ≤ true robust accuracy ≤ attacked. Per point and fixture model, a point
 * certified by IBP or CROWN is never broken by APGD-CE on the same threat set (the soundness check
 * of src/audit/certify.ts); and planted unsound rules (a Relu that narrows its interval; a Relu
 * relaxation whose upper line is lowered) are caught by that same check.
 */
import { loadEvalSet } from '../../src/data';
import { loadModel } from '../../src/model/load';
import type { Model } from '../../src/model/model';
import { BoundMethod, loadCertifier } from '../../src/model/certifier';
import { runAttack } from '../../src/attacks/run';
import { apgdCe } from '../../src/attacks/apgd';
import { assertSound, certifyPoints } from '../../src/audit/certify';
import { SoundnessViolation } from '../../src/errors';
import { boundRule } from '../../src/bounds/registry';
import type { BoundRule } from '../../src/bounds/types';
import { fixturePath } from '../support/fixtures';

const N = 60;
/** CROWN on the max-pool CNN costs about a second per point on 2 cores: fewer points there. */
const N_CROWN_CNN = 8;
const data = loadEvalSet(fixturePath('data/mnist-eval.npz'));
const per = data.x.length / data.n;
const input = (eps: number, N = 60) => ({
  x: data.x.subarray(0, N * per), y: data.y.subarray(0, N), n: N,
  lower: data.lower.subarray(0, N * per), upper: data.upper.subarray(0, N * per), norm: 'linf' as const, eps,
});

describe.each(['cnn', 'cnn_ibp', 'mlp'])('certified and attacked on the fixture %s', (name) => {
  const file = fixturePath(`models/${name}.onnx`);
  let model: Model;
  const certified = new Map<string, number>();
  beforeAll(async () => { model = await loadModel(file, { inProcess: true, threads: 1 }); });
  afterAll(async () => { await model.close(); });

  const broken = async (eps: number, n = N) => {
    const r = await runAttack(apgdCe, model, input(eps, n), { norm: 'linf', eps }, { steps: 50 }, { seed: 0 });
    return Uint8Array.from(r.success, (s, i) => (s || !r.cleanCorrect[i] ? 1 : 0));
  };

  const cases = ['ibp', 'crown'].flatMap((method) => [0.005, 0.02, 0.05].map((eps) => [method as BoundMethod, eps] as const));
  it.each(cases)('when %s certifies at ε = %p, then every certified point survives APGD-CE', async (method, eps) => {
    const certifier = await loadCertifier(file, { method, threads: 1 });
    const n = method === 'crown' && name === 'cnn' ? N_CROWN_CNN : N;
    try {
      const c = await certifyPoints(certifier, input(eps, n), method);
      const b = await broken(eps, n);
      expect(() => assertSound(c.certified, b, method)).not.toThrow();
      const certifiedN = c.certified.reduce((s, v) => s + v, 0);
      const robustN = b.reduce((s, v) => s + (v ? 0 : 1), 0);
      expect(certifiedN).toBeLessThanOrEqual(robustN);
      certified.set(`${method} ${eps}`, certifiedN);
      // Not a vacuous bracket: CROWN certifies most points at the smallest ε on every fixture.
      if (method === 'crown' && eps === 0.005) expect(certifiedN).toBeGreaterThan(n / 2);
    } finally {
      await certifier.close();
    }
  }, 300_000);

  afterAll(() => { console.log(`${name}: certified of ${N}: ${[...certified].map(([k, v]) => `${k}: ${v}`).join(', ')}`); });

  (name === 'cnn' ? it : it.skip)('when a planted Relu rule narrows its interval, then the soundness check stops the run', async () => {
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
    const certifier = await loadCertifier(file, { method: 'ibp', threads: 1, rules });
    const c = await certifyPoints(certifier, input(eps), 'ibp');
    await certifier.close();
    const b = await broken(eps);
    expect(c.certified.some((v, i) => v && b[i])).toBe(true);
    expect(() => assertSound(c.certified, b, 'ibp (planted)')).toThrow(SoundnessViolation);
  });
});
