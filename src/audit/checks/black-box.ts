/**
 * Black-box beats white-box (AutoAttack checks.py `check_square_sr`; Carlini et al. 2019,
 * arXiv:1902.06705 §4.5): a gradient-free attack run after the gradient attacks still breaks
 * points, so the gradients were not finding adversarial examples that exist.
 *
 * A transfer stage crafted on a surrogate (the smooth straight-through model that the BPDA
 * adaptation adds, Athalye et al. 2018, arXiv:1802.00420) needs only the target's logits but is a
 * gradient attack: it is neither counted as black-box nor as the white-box stages it follows.
 */
import type { Check, ReportStage } from '../../schema/report';
import { defineCheck } from './types';

/** The check's registry entry (./index.ts). */
export const blackBoxBeatsWhiteBox = defineCheck({
  id: 'black-box-beats-white-box',
  title: 'Black-box attack beats white-box attacks',
  explanation: {
    tests: 'whether an attack that sees only the model\'s answers beats the attacks that see its internals',
    flag: 'An attack that sees only the model\'s answers fooled images that the attacks with full access could not, which suggests the model hides its weaknesses from the stronger attacks.',
    pass: 'An attack that sees only the model\'s answers found almost nothing the full-access attacks had missed, as expected of a sound evaluation.',
  },
  failsByDefault: { order: 3 }, // the gradient attacks missed what exists
  evaluate: (e) => blackBoxCheck(e.stages, e.blackBox, e.n),
});

/** Flags when a black-box stage after white-box stages breaks more than this share of the set (and at least MIN points). */
export const BLACK_BOX_SHARE = 0.005;
export const BLACK_BOX_MIN = 2;

/**
 * `blackBox[k]`: whether stage k is gradient-free (true), a white-box gradient attack (false), or a
 * transfer from a surrogate model (null: ignored).
 */
export function blackBoxCheck(stages: readonly ReportStage[], blackBox: readonly (boolean | null)[], n: number): Check {
  let broken = 0, attacked = 0, which: string[] = [];
  let whiteBefore = false;
  stages.forEach((s, k) => {
    if (blackBox[k] === null) return;
    if (!blackBox[k]) { whiteBefore = true; return; }
    if (!whiteBefore) return;
    broken += s.broken; attacked += s.attacked; which.push(s.attack);
  });
  which = [...new Set(which)];
  const evidence = { blackBoxStages: which.join(', ') || null, attacked, broken, share: n ? broken / n : 0, threshold: BLACK_BOX_SHARE };
  const base = { id: blackBoxBeatsWhiteBox.id, title: blackBoxBeatsWhiteBox.title, evidence };
  if (which.length === 0) return { ...base, status: 'skipped', message: 'no black-box stage after a white-box stage in the battery' };
  if (broken >= BLACK_BOX_MIN && broken > BLACK_BOX_SHARE * n) {
    return { ...base, status: 'flag', message: `${which.join(', ')} broke ${broken} of ${attacked} points the gradient attacks left robust (${(100 * broken / n).toFixed(1)}% of the set): gradients are masked or the white-box budget is too small` };
  }
  return { ...base, status: 'pass', message: `${which.join(', ')} broke ${broken} of the ${attacked} points the gradient attacks left robust` };
}
