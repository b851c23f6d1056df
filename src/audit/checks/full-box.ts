/**
 * ε = the whole input box does not reach 0 % (Carlini et al. 2019, arXiv:1902.06705 §4.4,
 * "unbounded attacks should reach 100% success"): with the whole box allowed, a point whose box
 * holds an input of another class must be broken, so a robust one means the attacks, not the
 * model, failed.
 *
 * Consistent with the battery by construction (issue 11): the attacks run at the whole box are the
 * adapted battery's own stages with their own parameters (after a plain PGD from x), inside each
 * point's own [lower, upper]; and a point the battery broke at the audit ε counts as broken here
 * (its ε-ball lies inside the whole box), so the check's robust count is at most the battery's.
 *
 * Per-point boxes narrower than the input domain (property boxes, as in VNN-COMP) can make a point
 * genuinely robust over its whole box. The check therefore flags only a robust point whose box is
 * known to hold an input the model classifies otherwise: an evaluation input inside that box whose
 * (clean) prediction differs from the point's label, a verified counterexample the gradient
 * attacks failed to reach. On the default [0, 1] box every point has one as soon as the model
 * predicts two classes, which is the paper's check.
 */
import type { Check } from '../../schema/report';
import { defineCheck, FullBoxOutcome } from './types';

export type { FullBoxOutcome } from './types';

/** The check's registry entry (./index.ts). */
export const fullBoxNotZero = defineCheck({
  id: 'full-box-not-zero',
  title: 'Attack at ε = the whole input box does not reach 0 %',
  explanation: {
    tests: 'whether the attacks fool every image when any change within its allowed range is permitted',
    flag: 'Even when allowed to change an image into anything in its allowed range, the attacks left unfooled some images whose range is known to contain an image the model classifies differently, so the attacks are failing rather than the model being robust.',
    pass: 'When allowed to change images anywhere in their allowed range the attacks fooled every image that could be fooled as far as is known, which shows that they work on this model.',
  },
  failsByDefault: { order: 1 }, // the attacks cannot reach points they must reach
  evaluate: (e) => fullBoxCheck(e.fullBox),
});

/** The check from the measured outcome (null: nothing to attack). */
export function fullBoxCheck(o: FullBoxOutcome | null): Check {
  const base = { id: fullBoxNotZero.id, title: fullBoxNotZero.title };
  if (!o || o.attacked === 0) return { ...base, status: 'skipped', message: 'no clean-correct point to attack', evidence: {} };
  const evidence = {
    eps: o.eps, attacks: o.attacks.join('; '), attacked: o.attacked, brokenByBattery: o.brokenByBattery, robust: o.robust,
    robustShare: o.robust / o.attacked, robustWithCounterexampleInBox: o.robustWitnessed,
  };
  const ran = `${o.attacks.join(' → ')} at ε = ${o.eps} (each point's whole box; ${o.brokenByBattery} of ${o.attacked} already broken by the battery at the audit ε)`;
  if (o.robustWitnessed > 0) {
    return { ...base, evidence, status: 'flag', message: `${o.robustWitnessed} of ${o.attacked} points stay robust at ε = ${o.eps} though their box holds an input the model classifies otherwise: the attacks cannot reach points they must reach (${ran})` };
  }
  if (o.robust > 0) {
    return { ...base, evidence, status: 'pass', message: `${o.robust} of ${o.attacked} points stay robust over their whole box, but no input classified otherwise is known inside their boxes (per-point boxes narrower than the input domain), so they may be genuinely robust; ${ran}` };
  }
  return { ...base, evidence, status: 'pass', message: `every one of the ${o.attacked} points is broken at the whole box: ${ran}` };
}
