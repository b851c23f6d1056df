import { checkSchema, ReportStage } from '../../schema/report';
import type { ProbeEvidence } from '../probe';
import { blackBoxCheck } from './black-box';
import { FullBoxOutcome, fullBoxCheck } from './full-box';
import { nonMonotoneCheck } from './non-monotone-eps';
import { notConvergedCheck } from './not-converged';
import { probabilityOutputsCheck } from './probability-outputs';
import { randomizedOutputsCheck } from './randomized-outputs';
import { zeroGradientsCheck } from './zero-gradients';

const probe = (o: { outputs?: Partial<ProbeEvidence['outputs']>; randomness?: Partial<ProbeEvidence['randomness']>; gradients?: Partial<ProbeEvidence['gradients']>; points?: number } = {}): ProbeEvidence => ({
  points: o.points ?? 100,
  outputs: { strippedSoftmax: null, probabilityRows: 0, logProbabilityRows: 0, ...o.outputs },
  randomness: { graphOps: [], maxLogitDiff: 0, predictionFlips: 0, ...o.randomness },
  gradients: { ceZero: 0, cwZero: 0, ceZeroStraightThrough: null, medianCeGradMeanAbs: 1e-3, medianMargin: 10, ...o.gradients },
  nonDifferentiable: [],
});
const stage = (attack: string, attacked: number, broken: number): ReportStage => ({
  attack, params: {}, origin: 'battery', attacked, broken, robustAccuracyAfter: 0, robustAccuracyAfterInterval: { k: 0, n: 1, lower: 0, upper: 0.975 }, forwardCalls: 0, gradientCalls: 0, seconds: 0,
});
const valid = <T>(c: T) => { checkSchema.parse(c); return c; };

describe('reliability checks', () => {
  it('probability outputs: flags a stripped softmax, numeric probabilities and log-probabilities; passes logits', () => {
    expect(valid(probabilityOutputsCheck(probe({ outputs: { strippedSoftmax: "Softmax 'p'" } }))).status).toBe('flag');
    expect(probabilityOutputsCheck(probe({ outputs: { probabilityRows: 1 } })).message).toMatch(/probabilities/);
    expect(probabilityOutputsCheck(probe({ outputs: { logProbabilityRows: 0.995 } })).message).toMatch(/log-probabilities/);
    expect(probabilityOutputsCheck(probe({ outputs: { probabilityRows: 0.5 } })).status).toBe('pass');
  });

  it('randomized outputs: flags random graph ops or differing passes, with the evidence', () => {
    const c = valid(randomizedOutputsCheck(probe({ randomness: { graphOps: ["RandomNormalLike 'n'"], maxLogitDiff: 0.7, predictionFlips: 0.03 } })));
    expect(c.status).toBe('flag');
    expect(c.evidence).toMatchObject({ maxLogitDiff: 0.7, predictionFlips: 0.03 });
    expect(randomizedOutputsCheck(probe({ randomness: { maxLogitDiff: 1e-3 } })).status).toBe('flag');
    expect(randomizedOutputsCheck(probe()).status).toBe('pass');
  });

  it('zero gradients: flags at ≥ 10 % zero, names the cause; skips without points', () => {
    expect(zeroGradientsCheck(probe({ gradients: { ceZero: 0.09, cwZero: 0 } })).status).toBe('pass');
    const sat = valid(zeroGradientsCheck(probe({ gradients: { ceZero: 0.8, cwZero: 0 } })));
    expect(sat.status).toBe('flag');
    expect(sat.message).toMatch(/saturated/);
    const bpda = zeroGradientsCheck(probe({ gradients: { ceZero: 1, cwZero: 1, ceZeroStraightThrough: 0 } }));
    expect(bpda.message).toMatch(/piecewise-constant/);
    expect(zeroGradientsCheck(probe({ points: 0 })).status).toBe('skipped');
  });

  it('black box beats white box: only black-box stages after a white-box one count; threshold 0.5 % and ≥ 2', () => {
    const stages = [stage('apgd-ce', 90, 40), stage('square', 50, 3)];
    expect(valid(blackBoxCheck(stages, [false, true], 100)).status).toBe('flag');
    expect(blackBoxCheck([stage('apgd-ce', 90, 40), stage('square', 50, 1)], [false, true], 100).status).toBe('pass');
    expect(blackBoxCheck([stage('apgd-ce', 90, 40), stage('square', 50, 3)], [false, true], 1000).status).toBe('pass');
    expect(blackBoxCheck([stage('square', 90, 40), stage('apgd-ce', 50, 3)], [true, false], 100).status).toBe('skipped');
  });

  it('non-monotone in ε: a point broken at a smaller ε but robust at a larger one flags', () => {
    const ok = nonMonotoneCheck([{ eps: 0.1, broken: Uint8Array.of(1, 1, 0) }, { eps: 0.05, broken: Uint8Array.of(1, 0, 0) }]);
    expect(ok.status).toBe('pass');
    const bad = valid(nonMonotoneCheck([{ eps: 0.1, broken: Uint8Array.of(1, 0, 0) }, { eps: 0.05, broken: Uint8Array.of(1, 1, 0) }, { eps: 0.025, broken: Uint8Array.of(0, 1, 1) }]));
    expect(bad.status).toBe('flag');
    expect(bad.evidence.violatingPoints).toBe(2);
    expect(nonMonotoneCheck([{ eps: 0.1, broken: Uint8Array.of(1) }]).status).toBe('skipped');
  });

  const box = (o: Partial<FullBoxOutcome> = {}): FullBoxOutcome => ({ eps: 1, attacks: ['pgd', 'apgd-ce'], attacked: 50, brokenByBattery: 30, robust: 0, robustWitnessed: 0, ...o });

  it('full box: a robust point whose box holds a counterexample flags; the evidence names the attacks', () => {
    const c = valid(fullBoxCheck(box({ robust: 1, robustWitnessed: 1 })));
    expect(c.status).toBe('flag');
    expect(c.evidence).toMatchObject({ attacks: 'pgd; apgd-ce', brokenByBattery: 30, robust: 1, robustWithCounterexampleInBox: 1 });
    expect(fullBoxCheck(box()).status).toBe('pass');
    expect(fullBoxCheck(null).status).toBe('skipped');
  });

  it('full box: when per-point boxes hold no counterexample then robust points are reported, not flagged', () => {
    const c = valid(fullBoxCheck(box({ robust: 3, robustWitnessed: 0 })));
    expect(c.status).toBe('pass');
    expect(c.message).toMatch(/3 of 50 points stay robust over their whole box.*may be genuinely robust/);
  });

  it('not converged: one round (no escalation budget) breaking > 0.5 % (and ≥ 2) flags', () => {
    expect(valid(notConvergedCheck(stage('apgd-ce', 60, 2), 100)).status).toBe('flag');
    expect(notConvergedCheck(stage('apgd-ce', 60, 1), 100).status).toBe('pass');
    expect(notConvergedCheck(stage('apgd-ce', 60, 2), 500).status).toBe('pass');
    expect(notConvergedCheck(undefined, 100).status).toBe('skipped');
  });

  it('not converged: when the escalation stops with a round that breaks nothing then it passes, whatever earlier rounds broke', () => {
    const c = valid(notConvergedCheck([stage('apgd-ce', 60, 3), stage('apgd-ce', 57, 0)], 500, 3));
    expect(c.status).toBe('pass');
    expect(c.evidence).toMatchObject({ broken: 3, brokenPerRound: '3, 0', rounds: 2, maxRounds: 3, lastRoundBroken: 0 });
    expect(c.message).toMatch(/converged/);
  });

  it('not converged: when the last allowed round still breaks > 0.5 % (and ≥ 2) then it flags', () => {
    const rounds = [stage('apgd-ce', 60, 10), stage('apgd-ce', 50, 6), stage('apgd-ce', 44, 3)];
    expect(valid(notConvergedCheck(rounds, 500, 3)).status).toBe('flag');
    // Budget not exhausted (a 4th round would run): the audit is not finished, so no verdict on these rounds.
    expect(notConvergedCheck(rounds, 500, 4).status).toBe('pass');
    expect(notConvergedCheck(rounds, 500, 4).message).toMatch(/budget allows 1 more/);
    // The last round under the threshold.
    expect(notConvergedCheck([stage('apgd-ce', 60, 10), stage('apgd-ce', 50, 6), stage('apgd-ce', 44, 1)], 500, 3).status).toBe('pass');
  });

  it('black box: a transfer stage from a surrogate (null) is neither black- nor white-box', () => {
    // BPDA stages broke 40, the smooth transfer 5 more, Square none: no black-box evidence of masking.
    const stages = [stage('apgd-ce', 90, 40), stage('transfer(apgd-ce, smooth surrogate)', 50, 5), stage('square', 45, 0)];
    expect(blackBoxCheck(stages, [false, null, true], 100).status).toBe('pass');
    expect(blackBoxCheck(stages.slice(0, 2), [false, null], 100).status).toBe('skipped');
    // Counted as black-box (the old reading) it would have flagged.
    expect(blackBoxCheck(stages, [false, true, true], 100).status).toBe('flag');
  });

  it('zero gradients: the message says whether an adaptation answered the cause', () => {
    const sign = probe({ gradients: { ceZero: 1, cwZero: 1, ceZeroStraightThrough: 1, cwZeroStraightThrough: 0 } });
    const c = valid(zeroGradientsCheck(sign, ['scale-invariant-losses', 'bpda', 'transfer']));
    expect(c.message).toMatch(/piecewise-constant ops and saturated logits/);
    expect(c.message).toMatch(/adapted: scale-invariant losses \(DLR\/CW\) \+ BPDA/);
    expect(zeroGradientsCheck(sign, []).message).toMatch(/no adaptation answers it/);
  });

  it('non-monotone in ε: a point broken by the main battery at ε but not by the weaker sweep at ε/2 is not a violation', () => {
    // Sweep at 0.05 broke point 0 only; the main battery at 0.1 broke points 0, 1, 2.
    expect(nonMonotoneCheck([{ eps: 0.05, broken: Uint8Array.of(1, 0, 0) }, { eps: 0.1, broken: Uint8Array.of(1, 1, 1) }]).status).toBe('pass');
  });
});
