/** `gauntlet certify`, run in-process through main(): RESULT.json, a model without bound rules, usage errors. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSha256 } from '../src/data';
import { fixturePath } from './support/fixtures';
import { runCli } from './support/cli';

const MODEL = fixturePath('models/cnn.onnx');
const RESNET = fixturePath('models/resnet.onnx');
const DATA = fixturePath('data/mnist-eval.npz');
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-certify-'));

interface Sample { index: number; label: number; certified: boolean; margin_lower_bound: number | null }

describe('gauntlet certify', () => {
  it('when IBP certifies 30 points at ε = 1/200, then RESULT.json holds the certificates and their interval', async () => {
    const out = join(dir, 'ibp.json');
    const r = await runCli(['certify', MODEL, '--data', DATA, '--eps', '1/200', '--n', '30', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/certified \d+\.\d\d% \(\d+\/30\), 95% CI \[/);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j).toMatchObject({ method: 'ibp', norm: 'linf', eps: 0.005, n: 30, model: MODEL, data: DATA });
    expect(j.model_sha256).toBe(fileSha256(MODEL));
    const ps = j.per_sample as Sample[];
    expect(ps).toHaveLength(30);
    const k = ps.filter((s) => s.certified).length;
    expect(k).toBeGreaterThan(0);
    expect(j.certified_accuracy).toBeCloseTo(k / 30, 12);
    expect(j.certified_interval.lower).toBeLessThanOrEqual(j.certified_accuracy);
    expect(j.certified_interval.upper).toBeGreaterThanOrEqual(j.certified_accuracy);
    for (const s of ps) expect(s.certified).toBe((s.margin_lower_bound ?? -1) > 0);
  });

  it('when the model has an op without a bound rule, then nothing is certified and the result names the op', async () => {
    const out = join(dir, 'resnet.json');
    const r = await runCli(['certify', RESNET, '--data', DATA, '--eps', '0.01', '--n', '5', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/nothing certifiable: Mul .*product of two bounded tensors/);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.certified_accuracy).toBe(0);
    expect(j.not_certifiable).toMatch(/Mul/);
    expect((j.per_sample as Sample[]).every((s) => !s.certified && s.margin_lower_bound === null)).toBe(true);
  });

  it('when the method is unknown or ε is missing, then it prints usage and exits 2', async () => {
    const a = await runCli(['certify', MODEL, '--data', DATA, '--eps', '0.1', '--method', 'magic', '--out', join(dir, 'x.json')]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/magic/);
    const b = await runCli(['certify', MODEL, '--data', DATA, '--out', join(dir, 'x.json')]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--eps/);
  });
});
