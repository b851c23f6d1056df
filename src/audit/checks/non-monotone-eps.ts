/**
 * Robust accuracy not monotone in ε (Carlini et al. 2019, arXiv:1902.06705 §4.4; ART's security
 * curve): an adversarial example inside a smaller ball is also inside the larger one, so a point
 * broken at a smaller ε but robust at a larger ε shows that the attacks at the larger ε failed.
 */
import type { Check } from '../../schema/report';
import { defineCheck, EpsOutcome } from './types';

export type { EpsOutcome } from './types';

/** The check's registry entry (./index.ts). */
export const nonMonotoneEps = defineCheck({
  id: 'non-monotone-eps',
  title: 'Robust accuracy not monotone in ε',
  explanation: {
    tests: 'whether allowing larger changes to an image always fools the model at least as often',
    flag: 'Some images were fooled by a small change but not when a larger change was allowed, which a complete search cannot produce, so the attacks at the larger budgets missed examples.',
    pass: 'Allowing larger changes never made the model look more robust, as expected of a sound evaluation.',
  },
  failsByDefault: { order: 4 }, // the attacks at the larger ε failed
  evaluate: (e) => nonMonotoneCheck(e.epsOutcomes),
});

/** outcomes: one per ε (any order). */
export function nonMonotoneCheck(outcomes: readonly EpsOutcome[]): Check {
  const sorted = [...outcomes].sort((a, b) => a.eps - b.eps);
  let violations = 0, worst = '';
  const n = sorted[0]?.broken.length ?? 0;
  const points = new Set<number>();
  for (let a = 0; a < sorted.length; a++) {
    for (let b = a + 1; b < sorted.length; b++) {
      let v = 0;
      for (let i = 0; i < n; i++) if (sorted[a].broken[i] && !sorted[b].broken[i]) { v++; points.add(i); }
      if (v > violations) { violations = v; worst = `ε=${sorted[a].eps} vs ε=${sorted[b].eps}`; }
    }
  }
  const evidence = { epsilons: sorted.map((o) => o.eps).join(', '), violatingPoints: points.size, worstPair: worst || null, worstPairViolations: violations };
  const base = { id: nonMonotoneEps.id, title: nonMonotoneEps.title, evidence };
  if (sorted.length < 2) return { ...base, status: 'skipped', message: 'fewer than two ε values were attacked' };
  if (points.size > 0) {
    return { ...base, status: 'flag', message: `${points.size} points broken at a smaller ε were not broken at a larger one (worst: ${worst}, ${violations} points): the attacks at the larger ε are not reliable` };
  }
  return { ...base, status: 'pass', message: `every point broken at a smaller ε is broken at every larger ε (${sorted.length} values)` };
}
