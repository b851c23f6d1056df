import { join } from 'node:path';
import { UsageError } from '../errors';
import { loadEvalSet } from '../data';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { ATTACKS, ATTACK_NAMES, GRADIENT_ATTACK_NAMES, getAttack, paramFields, runAttack } from '.';
import { selectRows } from './tensor';
import { AttackBatch } from './types';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

describe('attack registry', () => {
  it('when listed, then every public name maps to the attack of that name', () => {
    expect(ATTACK_NAMES).toEqual(['fgsm', 'pgd', 'apgd-ce', 'apgd-dlr', 'apgd-t', 'fab-t', 'square', 'alt-pgd', 'transfer']);
    for (const name of ATTACK_NAMES) {
      expect(ATTACKS[name].name).toBe(name);
      expect(ATTACKS[name].paper.length).toBeGreaterThan(0);
      expect(ATTACKS[name].params.safeParse({}).success).toBe(true); // defaults for everything
    }
    expect(GRADIENT_ATTACK_NAMES).not.toContain('square');
    expect(Object.isFrozen(ATTACKS)).toBe(true);
  });

  it('when a name is unknown, then UsageError lists the known ones', () => {
    expect(() => getAttack('deepfool')).toThrow(UsageError);
    expect(() => getAttack('toString')).toThrow(/known attacks: fgsm, pgd/);
  });

  it('when paramFields reads a schema, then it gives keys, defaults and descriptions', () => {
    const f = paramFields(getAttack('pgd'));
    expect(f.map((p) => p.key)).toEqual(expect.arrayContaining(['steps', 'restarts', 'stepSize', 'eot']));
    const steps = f.find((p) => p.key === 'steps')!;
    expect(steps).toMatchObject({ default: 100, optional: true });
    expect(steps.description).toMatch(/steps/);
    expect('default' in f.find((p) => p.key === 'stepSize')!).toBe(false);
  });

  describe("'transfer' by name (the target as its own straight-through surrogate)", () => {
    let cnn: Model;
    beforeAll(async () => { cnn = await loadModel(join(FIXTURES, 'models', 'cnn.onnx'), { inProcess: true }); });
    afterAll(async () => { await cnn?.close(); });
    const batch = (): AttackBatch => {
      const d = loadEvalSet(join(FIXTURES, 'data', 'mnist-eval.npz'));
      const idx = [...Array(20).keys()], per = d.x.length / d.n;
      return { x: selectRows(d.x, per, idx), n: 20, y: d.y.slice(0, 20), lower: selectRows(d.lower, per, idx), upper: selectRows(d.upper, per, idx) };
    };

    it('when run, then the inner attack breaks points on the target with straight-through gradients', async () => {
      const r = await runAttack(ATTACKS.transfer, cnn, batch(), { norm: 'linf', eps: 0.3 }, { attack: 'pgd', params: { steps: 5 } }, { seed: 1 });
      expect(r.attack).toBe('transfer');
      expect(r.success.reduce((s, v) => s + v, 0)).toBeGreaterThan(10);
    });

    it('when the inner attack or its parameters are invalid, then UsageError before any model call', async () => {
      const before = cnn.counters();
      await expect(runAttack(ATTACKS.transfer, cnn, batch(), { norm: 'linf', eps: 0.3 }, { attack: 'square' }, { seed: 1 }))
        .rejects.toThrow(/attack: expected one of fgsm, pgd/);
      await expect(runAttack(ATTACKS.transfer, cnn, batch(), { norm: 'linf', eps: 0.3 }, { attack: 'pgd', params: { steps: 0 } }, { seed: 1 }))
        .rejects.toThrow(/params\.steps/);
      expect(cnn.counters()).toEqual(before);
    });
  });
});
