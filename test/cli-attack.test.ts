/** `gauntlet attack`, run in-process through main(): RESULT.json, ADV.npz, usage errors. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attackParams } from '../src/cli/attack';
import { getAttack } from '../src/attacks';
import { fileSha256, readNpz } from '../src/data';
import { loadModel } from '../src/model/load';
import { argmaxRows } from '../src/attacks/tensor';
import { fixturePath } from './support/fixtures';
import { runCli } from './support/cli';

const MODEL = fixturePath('models/cnn.onnx');
const RESNET = fixturePath('models/resnet.onnx');
const DATA = fixturePath('data/mnist-eval.npz');
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-attack-'));

const run = runCli;

interface Sample { index: number; label: number; clean_correct: boolean; attacked_correct: boolean; perturbation_norm: number; adv_pred: number }

describe('gauntlet attack', () => {
  it('when FGSM runs at ε = 3/10 (a fraction) on 20 points, then RESULT.json holds the run and robust ≤ clean', async () => {
    const out = join(dir, 'fgsm.json');
    const r = await run(['attack', MODEL, '--data', DATA, '--attack', 'fgsm', '--eps', '3/10', '--n', '20', '--seed', '7', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(j)).toEqual(expect.arrayContaining([
      'gauntlet_version', 'attack', 'params', 'norm', 'eps', 'seed', 'model', 'model_sha256', 'data', 'data_sha256', 'n',
      'clean_accuracy', 'robust_accuracy', 'per_sample', 'forward_calls', 'gradient_calls', 'seconds',
    ]));
    expect(j).toMatchObject({ attack: 'fgsm', norm: 'linf', eps: 0.3, seed: 7, n: 20, model: MODEL, data: DATA });
    expect(j.params).toEqual({ loss: 'ce', targeted: 'none', straightThrough: false, eot: 1 });
    expect(j.model_sha256).toBe(fileSha256(MODEL));
    expect(j.data_sha256).toBe(fileSha256(DATA));
    expect(j.robust_accuracy).toBeLessThanOrEqual(j.clean_accuracy);
    expect(j.robust_accuracy).toBeLessThan(0.5); // ε = 0.3 breaks most of the CNN
    expect(j.per_sample).toHaveLength(20);
    const ps = j.per_sample as Sample[];
    expect(ps.map((s) => s.index)).toEqual([...Array(20).keys()]);
    expect(ps.filter((s) => s.clean_correct).length / 20).toBeCloseTo(j.clean_accuracy, 12);
    expect(ps.filter((s) => s.attacked_correct).length / 20).toBeCloseTo(j.robust_accuracy, 12);
    for (const s of ps) {
      if (s.attacked_correct) expect(s.clean_correct).toBe(true);
      expect(s.perturbation_norm).toBeLessThanOrEqual(0.3);
      if (s.clean_correct && !s.attacked_correct) expect(s.adv_pred).not.toBe(s.label);
    }
    expect(j.gradient_calls).toBeGreaterThan(0);
    expect(j.forward_calls).toBeGreaterThanOrEqual(20);
    expect(r.out).toMatch(/clean\s+\d+\.\d+%/);
    expect(r.out).toMatch(/robust\s+\d+\.\d+%/);
  });

  it('when --adv is given, then its examples agree with RESULT.json and are adversarial within ε', async () => {
    const out = join(dir, 'pgd.json'), adv = join(dir, 'pgd.npz');
    const eps = 0.15;
    const r = await run(['attack', MODEL, '--data', DATA, '--attack', 'pgd', '--steps', '5', '--eps', String(eps), '--n', '20', '--out', out, '--adv', adv]);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.params).toMatchObject({ steps: 5, restarts: 1 });
    const a = readNpz(readFileSync(adv));
    const index = Array.from(a.get('index')!.data as BigInt64Array, Number);
    const norm = a.get('norm')!.data as Float64Array;
    const pred = Array.from(a.get('pred')!.data as BigInt64Array, Number);
    const xAdv = a.get('x_adv')!;
    expect(xAdv.dtype).toBe('float32');
    expect(xAdv.shape).toEqual([index.length, 1, 28, 28]);
    expect(a.get('norm')!.dtype).toBe('float64');
    const ps = j.per_sample as Sample[];
    const broken = ps.filter((s) => s.clean_correct && !s.attacked_correct).map((s) => s.index);
    expect(index).toEqual(broken);
    expect(index.length).toBeGreaterThan(0);
    index.forEach((i, k) => {
      expect(ps[i].attacked_correct).toBe(false);
      expect(norm[k]).toBeLessThanOrEqual(eps);
      expect(norm[k]).toBe(ps[i].perturbation_norm);
      expect(pred[k]).toBe(ps[i].adv_pred);
    });
    // The stored examples really are misclassified as stated.
    const model = await loadModel(MODEL, { inProcess: true });
    try {
      const p = argmaxRows(await model.predict(xAdv.data as Float32Array, index.length), index.length);
      expect(Array.from(p)).toEqual(pred);
    } finally {
      await model.close();
    }
  });

  it('when the attack does not take a flag, then exit 2 naming the attack and the parameters it accepts', async () => {
    const r = await run(['attack', MODEL, '--data', DATA, '--attack', 'fgsm', '--steps', '10', '--eps', '0.1', '--out', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/fgsm does not take --steps/);
    expect(r.err).toMatch(/fgsm accepts --eot, --straight-through\./);
    expect(r.err).toMatch(/loss \(default "ce"\)/);
    expect(r.err).not.toMatch(/\n\s+at /);
    const q = await run(['attack', MODEL, '--data', DATA, '--attack', 'square', '--straight-through', '--eps', '0.1', '--out', join(dir, 'x.json')]);
    expect(q.code).toBe(2);
    expect(q.err).toMatch(/square does not take --straight-through\. square accepts --restarts, --queries\./);
  });

  it('when the attack is unknown, then exit 2 listing the attacks', async () => {
    const r = await run(['attack', MODEL, '--data', DATA, '--attack', 'deepfool', '--eps', '0.1', '--out', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/expected one of fgsm, pgd, apgd-ce, apgd-dlr, apgd-t, fab-t, square, alt-pgd, got 'deepfool'/);
  });

  it('when a flag value is out of the attack\'s range, or eps is negative, then exit 2', async () => {
    const r = await run(['attack', MODEL, '--data', DATA, '--attack', 'pgd', '--eot', '5000', '--eps', '0.1', '--out', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/invalid parameters for pgd: eot/);
    const q = await run(['attack', MODEL, '--data', DATA, '--attack', 'pgd', '--eps', '-1', '--out', join(dir, 'x.json')]);
    expect(q.code).toBe(2);
    expect(q.err).toMatch(/eps/);
  });

  it('when tuning flags are mapped, then each lands on the parameter the attack calls it', () => {
    expect(attackParams(getAttack('fab-t'), 'fab-t', { steps: 7, restarts: 2 })).toMatchObject({ steps: 7, restarts: 2 });
    expect(attackParams(getAttack('square'), 'square', { queries: 300 })).toMatchObject({ queries: 300 });
    expect(attackParams(getAttack('apgd-ce'), 'apgd-ce', { steps: 20, eot: 3, straightThrough: true })).toMatchObject({ steps: 20, eot: 3, straightThrough: true });
    expect(() => attackParams(getAttack('fgsm'), 'fgsm', { queries: 3 })).toThrow(/fgsm does not take --queries/);
  });

  it('when --surrogate is given, then the attack is crafted on the surrogate and verified on MODEL', async () => {
    const out = join(dir, 'transfer.json'), adv = join(dir, 'transfer.npz');
    const r = await run(['attack', MODEL, '--data', DATA, '--attack', 'pgd', '--steps', '5', '--eps', '0.3', '--n', '20',
      '--surrogate', RESNET, '--out', out, '--adv', adv]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.attack).toBe('transfer(pgd)');
    expect(j.params).toMatchObject({ steps: 5 });
    expect(j.transfer).toMatchObject({ inner: 'pgd', surrogate: RESNET, surrogate_sha256: fileSha256(RESNET) });
    expect(j.transfer.surrogate_gradient_calls).toBeGreaterThan(0);
    expect(j.gradient_calls).toBe(0); // the target is only queried
    expect(r.out).toMatch(/surrogate/);
    const a = readNpz(readFileSync(adv));
    const index = Array.from(a.get('index')!.data as BigInt64Array, Number);
    for (const i of index) expect(j.per_sample[i].attacked_correct).toBe(false);
  });

  it('when --surrogate is given with a logits-only attack, then exit 2', async () => {
    const r = await run(['attack', MODEL, '--data', DATA, '--attack', 'square', '--eps', '0.1', '--surrogate', RESNET, '--out', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/square uses only logits; --surrogate applies to gradient attacks/);
  });
});
