/**
 * Agreement with an independent PyTorch reference (fixtures/generate_reference_attacks.py, numbers
 * committed in fixtures/reference/attacks.json; CI never runs torch): PGD-100 and APGD-CE
 * on the fixture CNN, the same 500 points, L∞ at two ε. Gauntlet's robust accuracy must be
 * within ±1 percentage point of the reference's (mean over its seeds) and never above it by
 * more than that (a weaker attack would overstate robustness).
 */
import { readFileSync } from 'node:fs';
import { Model } from '../src/model/model';
import { loadModel } from '../src/model/load';
import { loadEvalSet, sliceEvalSet } from '../src/data';
import { getAttack } from '../src/attacks';
import { robustAccuracy, runAttack } from '../src/attacks/run';
import { fixturePath } from './support/fixtures';

interface RefRun { attack: string; norm: string; eps: number; seed: number; robust_accuracy: number; steps: number }
const ref = JSON.parse(readFileSync(fixturePath('reference/attacks.json'), 'utf8')) as { n: number; clean_accuracy: number; runs: RefRun[] };

function referenceMean(attack: string, eps: number): number {
  const runs = ref.runs.filter((r) => r.attack === attack && r.norm === 'linf' && r.eps === eps);
  if (runs.length === 0) throw new Error(`no reference runs for ${attack} at ${eps}`);
  return runs.reduce((s, r) => s + r.robust_accuracy, 0) / runs.length;
}

const CASES: [string, Record<string, unknown>, number][] = [];
for (const eps of [...new Set(ref.runs.filter((r) => r.norm === 'linf').map((r) => r.eps))]) {
  CASES.push(['pgd', { steps: 100, stepSize: (2.5 * eps) / 100, randomStart: true, loss: 'ce' }, eps]);
  CASES.push(['apgd-ce', { steps: 100 }, eps]);
}

describe('agreement with the PyTorch reference (fixture CNN, 500 points)', () => {
  let model: Model;
  const data = sliceEvalSet(loadEvalSet(fixturePath('data/mnist-eval.npz')), 0, ref.n);
  beforeAll(async () => { model = await loadModel(fixturePath('models/cnn.onnx'), { inProcess: true }); });
  afterAll(async () => { await model.close(); });

  it.each(CASES)('when %s (%j) runs at L∞ ε = %s, then robust accuracy is within ±1 pp of the reference', async (name, params, eps) => {
    const r = await runAttack(getAttack(name), model, { x: data.x, n: data.n, y: data.y, lower: data.lower, upper: data.upper },
      { norm: 'linf', eps }, params, { seed: 0 });
    const ours = robustAccuracy(r);
    const theirs = referenceMean(name, eps);
    console.log(`${name} ε=${eps}: Gauntlet ${(100 * ours).toFixed(1)}%, reference ${(100 * theirs).toFixed(1)}%`);
    expect(Math.abs(ours - theirs)).toBeLessThanOrEqual(0.01 + 1e-9);
  }, 300_000);
});
