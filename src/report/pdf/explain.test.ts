import { blackBoxCheck } from '../../audit/checks/black-box';
import { fullBoxCheck } from '../../audit/checks/full-box';
import { nonMonotoneCheck } from '../../audit/checks/non-monotone-eps';
import { notConvergedCheck } from '../../audit/checks/not-converged';
import { probabilityOutputsCheck } from '../../audit/checks/probability-outputs';
import { randomizedOutputsCheck } from '../../audit/checks/randomized-outputs';
import { zeroGradientsCheck } from '../../audit/checks/zero-gradients';
import { ADAPTATIONS } from '../../audit/adaptations';
import { CHECK_IDS } from '../../audit/checks';
import { ADAPTATION_TEXT, CHECK_TEXT, explainAdaptation, explainCheck } from './explain';

const probe = { points: 0, outputs: { strippedSoftmax: null, probabilityRows: 0, logProbabilityRows: 0 }, randomness: { graphOps: [], maxLogitDiff: 0, predictionFlips: 0 }, gradients: { ceZero: 0, cwZero: 0, ceZeroStraightThrough: null, medianCeGradMeanAbs: 0, medianMargin: 0 }, nonDifferentiable: [] };

/** The ids the audit's checks produce: the registry, plus what the check functions return (they must agree). */
const AUDIT_CHECK_IDS = [...new Set<string>([
  ...CHECK_IDS,
  probabilityOutputsCheck(probe).id, randomizedOutputsCheck(probe).id, zeroGradientsCheck(probe).id,
  blackBoxCheck([], [], 0).id, nonMonotoneCheck([]).id, fullBoxCheck(null).id, notConvergedCheck(undefined, 0).id,
])];

/** One sentence: no full stop followed by a new sentence inside it, ends with a full stop. */
const oneSentence = (s: string) => /^[A-Z].*\.$/.test(s) && !/\.\s+[A-Z]/.test(s);

describe('plain-language explanations', () => {
  it('every check the audit can produce has its own flag and pass sentence, one sentence each', () => {
    expect(AUDIT_CHECK_IDS.length).toBe(CHECK_IDS.length);
    for (const id of AUDIT_CHECK_IDS) {
      expect(CHECK_TEXT[id]).toBeDefined();
      const flag = explainCheck({ id, status: 'flag', title: 't' });
      const pass = explainCheck({ id, status: 'pass', title: 't' });
      const skipped = explainCheck({ id, status: 'skipped', title: 't' });
      expect(new Set([flag, pass, skipped]).size).toBe(3);
      for (const s of [flag, pass, skipped]) expect(oneSentence(s)).toBe(true);
    }
  });

  it('no sentence uses the specialist vocabulary it is meant to replace', () => {
    const all = [...Object.values(CHECK_TEXT).flatMap((t) => [t.flag, t.pass, t.tests]), ...Object.values(ADAPTATION_TEXT)];
    for (const s of all) expect(s).not.toMatch(/\b(gradients?|logits?|softmax|epsilon|bpda|eot|apgd|norms?|ks)\b|ε/i);
  });

  it('every adaptation rule of the audit has a sentence', () => {
    for (const rule of ADAPTATIONS) {
      expect(ADAPTATION_TEXT[rule.id]).toBeDefined();
      expect(oneSentence(explainAdaptation({ id: rule.id }))).toBe(true);
    }
  });

  it('an unknown check or adaptation still gets a sentence naming it', () => {
    expect(explainCheck({ id: 'new-check', status: 'flag', title: 'Something odd.' })).toMatch(/"Something odd".*overstate/);
    expect(explainCheck({ id: 'new-check', status: 'pass', title: 'Something odd' })).toMatch(/no problem/);
    expect(explainAdaptation({ id: 'new-trick' })).toMatch(/"new-trick"/);
  });
});
