import { getAttack, parseParams } from '../../attacks';
import type { ModelInfo } from '../../model/model';
import { battery } from '../battery';
import type { ProbeEvidence } from '../probe';
import { adapt } from '.';
import { allSteps } from './types';

const info = (o: Partial<ModelInfo> = {}): ModelInfo => ({
  inputShape: [1, 28, 28], numClasses: 10, batched: true, batch: 'dynamic', random: [], nonDifferentiable: [],
  provider: 'cpu', modelSha256: '0'.repeat(64), dtype: 'float32', bytesPerSample: { forward: 1, gradient: 1 } as never, notes: [], ...o,
});
const probe = (g: Partial<ProbeEvidence['gradients']> = {}): ProbeEvidence => ({
  points: 64,
  outputs: { strippedSoftmax: null, probabilityRows: 0, logProbabilityRows: 0 },
  randomness: { graphOps: [], maxLogitDiff: 0, predictionFlips: 0 },
  gradients: { ceZero: 0, cwZero: 0, ceZeroStraightThrough: null, medianCeGradMeanAbs: 1e-3, medianMargin: 8, ...g },
  nonDifferentiable: [],
});
const validAll = (b: ReturnType<typeof battery>) => {
  for (const s of allSteps(b)) expect(() => parseParams(getAttack(s.attack), s.params)).not.toThrow();
};

describe('adaptations', () => {
  it('a plain model gets none and an unchanged battery', () => {
    const b = battery('standard');
    expect(adapt(b, info(), probe())).toEqual([]);
    expect(b).toEqual(battery('standard'));
  });

  it('final softmax: recorded as an attack on the logits', () => {
    const b = battery('quick');
    const a = adapt(b, info({ strippedSoftmax: "Softmax 'prob'" }), probe());
    expect(a.map((x) => x.id)).toEqual(['logits']);
    expect(a[0].trigger).toContain("Softmax 'prob'");
    expect(b).toEqual(battery('quick'));
  });

  it('random ops: EOT in every gradient stage, APGD-DLR added after APGD-CE (AutoAttack rand)', () => {
    const b = battery('standard');
    const a = adapt(b, info({ random: ["RandomNormalLike 'noise'"] }), probe());
    expect(a.map((x) => x.id)).toEqual(['eot']);
    expect(b.stages.map((s) => s.attack)).toEqual(['apgd-ce', 'apgd-dlr', 'apgd-t', 'fab-t', 'square', 'alt-pgd']);
    expect(b.stages[1].origin).toBe('eot');
    for (const s of allSteps(b)) if (getAttack(s.attack).needs === 'gradients' && s.attack !== 'fab-t') expect(s.params.eot).toBe(b.eotDraws);
    expect(b.stages.find((s) => s.attack === 'square')!.params.eot).toBeUndefined();
    validAll(b);
  });

  it('piecewise-constant ops: straight-through everywhere; FAB-T as a transfer from the straight-through model', () => {
    const b = battery('standard');
    const a = adapt(b, info({ nonDifferentiable: ["Round 'q'"] }), probe({ ceZero: 1, cwZero: 1, ceZeroStraightThrough: 0 }));
    expect(a.map((x) => x.id)).toEqual(['bpda']);
    expect(b.stages.map((s) => s.attack)).toEqual(['apgd-ce', 'apgd-t', 'transfer', 'square', 'alt-pgd']);
    expect(b.stages[2].params).toEqual({ attack: 'fab-t', params: {} });
    for (const s of allSteps(b)) if (['apgd-ce', 'apgd-t', 'alt-pgd'].includes(s.attack)) expect(s.params.straightThrough).toBe(true);
    validAll(b);
  });

  it('piecewise-constant ops with a smooth surrogate loaded: a transfer stage from it, before the black-box stage', () => {
    const b = battery('quick');
    const a = adapt(b, info({ nonDifferentiable: ["Round 'q'"] }), probe({ ceZero: 1, cwZero: 1, ceZeroStraightThrough: 0 }), { smoothSurrogate: true });
    expect(a.map((x) => x.id)).toEqual(['bpda', 'transfer']);
    const t = b.stages.find((s) => s.surrogate === 'smooth')!;
    expect(t).toEqual({ attack: 'transfer', params: { attack: 'apgd-ce', params: { steps: 50 } }, origin: 'transfer', surrogate: 'smooth' });
    expect(b.stages.indexOf(t)).toBe(b.stages.findIndex((s) => s.attack === 'square') - 1);
    validAll(b);
    // Without a surrogate the rule stays off.
    expect(adapt(battery('quick'), info({ nonDifferentiable: ["Round 'q'"] }), probe(), { smoothSurrogate: false }).map((x) => x.id)).toEqual(['bpda']);
  });

  it('saturated logits (CE gradient 0, margin gradient not): CE stages become DLR/CW', () => {
    const b = battery('standard');
    const a = adapt(b, info(), probe({ ceZero: 0.9, cwZero: 0, medianMargin: 9000 }));
    expect(a.map((x) => x.id)).toEqual(['scale-invariant-losses']);
    expect(b.stages.map((s) => s.attack)).toEqual(['apgd-dlr', 'apgd-t', 'fab-t', 'square', 'alt-pgd']);
    expect(b.stages[4].params.losses).toEqual(['cw', 'dlr']);
    expect(b.convergence.attack).toBe('apgd-dlr');
    expect(b.sweep.stages[0].attack).toBe('apgd-dlr');
    expect(allSteps(b).some((s) => s.attack === 'apgd-ce')).toBe(false);
    validAll(b);
  });

  it('when the model has 3 classes then APGD-T runs on the targeted CW margin everywhere (targeted DLR needs 4); APGD-DLR stays', () => {
    const b = battery('thorough');
    const a = adapt(b, info({ numClasses: 3 }), probe());
    expect(a.map((x) => x.id)).toEqual(['few-classes']);
    expect(a[0]).toMatchObject({ trigger: 'the model has 3 classes', effect: 'APGD-T targeted DLR → targeted CW margin; APGD-T and FAB-T targets: 2 (classes − 1)' });
    expect(b.stages.map((s) => s.attack)).toEqual(['apgd-ce', 'apgd-dlr', 'apgd-t', 'fab-t', 'square', 'alt-pgd']);
    const targeted = allSteps(b).filter((s) => s.attack === 'apgd-t');
    expect(targeted.length).toBe(2); // the cascade's and the sweep cascade's
    for (const s of targeted) expect(s.params).toMatchObject({ loss: 'cw', targetClasses: 2 });
    expect(b.stages.find((s) => s.attack === 'fab-t')!.params).toMatchObject({ restarts: 2, targetClasses: 2 });
    expect(b.minimalNorms).toMatchObject({ restarts: 2, targetClasses: 2 });
    validAll(b);
  });

  it('when the model has 2 classes and saturated logits then no DLR stage is left: APGD-DLR becomes APGD-T on the margin toward the other class', () => {
    const b = battery('thorough');
    const a = adapt(b, info({ numClasses: 2 }), probe({ ceZero: 0.9, cwZero: 0, medianMargin: 9000 }));
    expect(a.map((x) => x.id)).toEqual(['scale-invariant-losses', 'few-classes']);
    expect(allSteps(b).some((s) => s.attack === 'apgd-dlr')).toBe(false);
    expect(b.stages[0]).toMatchObject({ attack: 'apgd-t', params: { restarts: 5, loss: 'cw', targetClasses: 1 } });
    expect(b.convergence).toMatchObject({ attack: 'apgd-t', params: { steps: 400, restarts: 5, loss: 'cw', targetClasses: 1 }, origin: 'convergence' });
    validAll(b);
  });

  it('when a 3-class transfer stage wraps APGD-T then the wrapped attack gets the margin loss', () => {
    const b = battery('quick');
    b.stages = [{ attack: 'transfer', params: { attack: 'apgd-t', params: { steps: 5 } }, origin: 'bpda' }];
    adapt(b, info({ numClasses: 3 }), probe());
    expect(b.stages[0].params).toEqual({ attack: 'apgd-t', params: { steps: 5, loss: 'cw', targetClasses: 2 } });
  });

  it('with 4 or more classes the battery is unchanged for every preset (never weaker than AutoAttack)', () => {
    for (const preset of ['quick', 'standard', 'thorough'] as const) {
      for (const numClasses of [4, 10, 1000]) {
        const b = battery(preset);
        expect(adapt(b, info({ numClasses }), probe())).toEqual([]);
        expect(b).toEqual(battery(preset));
      }
    }
  });

  it('zero gradients for both losses is not saturation (no CE → DLR swap)', () => {
    const b = battery('quick');
    expect(adapt(b, info(), probe({ ceZero: 1, cwZero: 1 }))).toEqual([]);
  });

  it('adaptations compose: softmax + rounding + noise', () => {
    const b = battery('quick');
    const a = adapt(b, info({ strippedSoftmax: 'Softmax', nonDifferentiable: ['Round'], random: ['RandomNormalLike'] }), probe());
    expect(a.map((x) => x.id)).toEqual(['logits', 'bpda', 'eot']);
    const ce = b.stages.find((s) => s.attack === 'apgd-ce')!;
    expect(ce.params).toMatchObject({ straightThrough: true, eot: b.eotDraws });
    validAll(b);
  });
});
