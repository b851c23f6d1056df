/**
 * More iterations/restarts still improve (Carlini et al. 2019, arXiv:1902.06705 §4.4,
 * "iterate until convergence"; Croce & Hein 2020 use restarts for the same reason): an
 * extra-effort stage run after the battery on the points still robust. If it breaks more than a
 * small share, the battery's figure had not converged (the audit's figure includes its breaks).
 */
import type { Check, ReportStage } from '../../report/schema';

export const NOT_CONVERGED_SHARE = 0.005;
export const NOT_CONVERGED_MIN = 2;

export function notConvergedCheck(stage: ReportStage | undefined, n: number): Check {
  const base = { id: 'not-converged', title: 'More iterations or restarts still break points' };
  if (!stage) return { ...base, status: 'skipped', message: 'no convergence stage ran', evidence: {} };
  const evidence = { attack: stage.attack, attacked: stage.attacked, broken: stage.broken, share: n ? stage.broken / n : 0, threshold: NOT_CONVERGED_SHARE };
  if (stage.broken >= NOT_CONVERGED_MIN && stage.broken > NOT_CONVERGED_SHARE * n) {
    return { ...base, evidence, status: 'flag', message: `the extra-effort ${stage.attack} broke ${stage.broken} of the ${stage.attacked} points the battery left robust (${(100 * stage.broken / n).toFixed(1)}% of the set): the battery had not converged` };
  }
  return { ...base, evidence, status: 'pass', message: `the extra-effort ${stage.attack} broke ${stage.broken} of the ${stage.attacked} points the battery left robust` };
}
