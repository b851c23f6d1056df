/**
 * One plain-language sentence per reliability check and per battery adaptation, for a reader who
 * is not a specialist. The technical message and the evidence numbers are printed beside them;
 * these sentences say what was looked at and what the outcome means. Unknown ids (a check added
 * later) get a generic sentence built from the check's own title, never nothing.
 */
import type { Adaptation, Check } from '../schema';

interface CheckText {
  /** "whether …": what the check looks at. */
  tests: string;
  flag: string;
  pass: string;
}

/** Sentences per check id (the ids of src/audit/checks and the audit's data/hypocritical checks). */
export const CHECK_TEXT: Readonly<Record<string, CheckText>> = {
  'probability-outputs': {
    tests: 'whether the model outputs probabilities, which can flatten the signal attacks follow',
    flag: 'The model outputs probabilities instead of raw scores, which can make it look stronger than it is; the attacks worked on the raw scores where possible and rely on score-free measures otherwise.',
    pass: 'The model outputs raw scores, so the attacks had a clear signal to follow.',
  },
  'randomized-outputs': {
    tests: 'whether the model answers the same image differently from one run to the next',
    flag: 'The model answers the same image differently from one run to the next, which can hide its weaknesses; the attacks therefore averaged over many runs and a break counts only if most fresh runs confirm it.',
    pass: 'The model gives the same answer every time it sees the same image, so chance cannot hide its weaknesses.',
  },
  'zero-gradients': {
    tests: 'whether the model withholds the signal that tells an attack how to change an image',
    flag: 'For many images the model gives the attacks no signal about how to change the image, a known way of looking robust without being robust; the figures rely on the workarounds listed under adaptations.',
    pass: 'The attacks received a usable signal on nearly every image, so this common way of hiding weaknesses is absent.',
  },
  'black-box-beats-white-box': {
    tests: 'whether an attack that sees only the model\'s answers beats the attacks that see its internals',
    flag: 'An attack that sees only the model\'s answers fooled images that the attacks with full access could not, which suggests the model hides its weaknesses from the stronger attacks.',
    pass: 'An attack that sees only the model\'s answers found almost nothing the full-access attacks had missed, as expected of a sound evaluation.',
  },
  'non-monotone-eps': {
    tests: 'whether allowing larger changes to an image always fools the model at least as often',
    flag: 'Some images were fooled by a small change but not when a larger change was allowed, which a complete search cannot produce, so the attacks at the larger budgets missed examples.',
    pass: 'Allowing larger changes never made the model look more robust, as expected of a sound evaluation.',
  },
  'full-box-not-zero': {
    tests: 'whether the attacks fool every image when any change within its allowed range is permitted',
    flag: 'Even when allowed to change an image into anything in its allowed range, the attacks left unfooled some images whose range is known to contain an image the model classifies differently, so the attacks are failing rather than the model being robust.',
    pass: 'When allowed to change images anywhere in their allowed range the attacks fooled every image that could be fooled as far as is known, which shows that they work on this model.',
  },
  'not-converged': {
    tests: 'whether running the attacks longer would fool more images',
    flag: 'Running the attacks longer, round after round up to the allowed budget, still fooled more images, so the robustness figure may be too optimistic.',
    pass: 'Running the attacks longer, until a round fooled no further image, left the robustness figure stable (the images fooled on the way are counted).',
  },
  'hypocritical-fakeable': {
    tests: 'whether someone could retouch the test images to make a weak model look accurate',
    flag: 'The model is less accurate than required, yet small retouches of the test images could make it look accurate enough, so an evaluation on supplied images could be faked.',
    pass: 'Small retouches of the test images could not make this model pass for an accurate one (or it is accurate enough anyway).',
  },
  'data-too-easy': {
    tests: 'whether the supplied test images are unusually easy compared with an independent reference set',
    flag: 'The supplied test images are much easier for the model than an independent reference set, which can inflate every figure in this report.',
    pass: 'The supplied test images are about as hard for the model as an independent reference set.',
  },
};

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
