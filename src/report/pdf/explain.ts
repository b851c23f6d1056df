/**
 * One plain-language sentence per reliability check and per battery adaptation, for a reader who
 * is not a specialist. The technical message and the evidence numbers are printed beside them;
 * these sentences say what was looked at and what the outcome means. Unknown ids (a check added
 * later) get a generic sentence built from the check's own title, never nothing.
 */
import { CHECKS } from '../../audit/checks';
import type { CheckExplanation } from '../../audit/checks';
import type { Adaptation, Check } from '../../schema/report';

/** Sentences per check id, from the checks' registry (src/audit/checks: each check carries its explanation). */
export const CHECK_TEXT: Readonly<Record<string, CheckExplanation>> = Object.fromEntries(CHECKS.map((c) => [c.id, c.explanation]));

/** Sentences per adaptation id (src/audit/adaptations). */
export const ADAPTATION_TEXT: Readonly<Record<string, string>> = {
  eot: 'The model behaves randomly, so the attacks averaged their signal over many random runs instead of trusting a single one.',
  bpda: 'The model contains steps such as rounding that block the attacks\' signal, so the attacks treated those steps as if they let the signal pass straight through.',
  transfer: 'The model contains rounding steps, so extra attacks were crafted on a smoothed copy of the model and every result was confirmed on the real model.',
  logits: 'The model turns its scores into probabilities at the very end, so the attacks worked on the scores before that step, which changes no prediction.',
  'scale-invariant-losses': 'The model\'s scores are so extreme that the usual attack signal vanishes, so the attacks used measures that do not depend on the size of the scores.',
  'few-classes': 'The model has only two or three classes, too few for one of the standard attack measures, so those attacks used the plain gap between the scores of two classes instead.',
};

/** The plain sentence for one check, by its id and status. */
export function explainCheck(c: Pick<Check, 'id' | 'status' | 'title'>): string {
  const t = CHECK_TEXT[c.id];
  if (!t) {
    const title = c.title.replace(/\.$/, '');
    if (c.status === 'flag') return `Gauntlet raised a warning on "${title}": the evaluation may overstate the model's robustness (details below).`;
    if (c.status === 'pass') return `Gauntlet checked "${title}" and found no problem.`;
    return `Gauntlet could not check "${title}" in this evaluation (details below).`;
  }
  if (c.status === 'flag') return t.flag;
  if (c.status === 'pass') return t.pass;
  return `Gauntlet could not check ${t.tests} in this evaluation (the technical note says why).`;
}

/** The plain sentence for one adaptation. */
export function explainAdaptation(a: Pick<Adaptation, 'id'>): string {
  return ADAPTATION_TEXT[a.id]
    ?? `Gauntlet changed its attacks in response to something it found in the model (adaptation "${a.id}"); the technical note says what and why.`;
}
