/**
 * ε = the whole input box does not reach 0 % (Carlini et al. 2019, arXiv:1902.06705 §4.4,
 * "unbounded attacks should reach 100% success"): with the whole box allowed any image is
 * reachable, so a robust point there means the attack, not the model, failed.
 */
import type { Check } from '../../report/schema';

export interface FullBoxOutcome {
  eps: number;
  attack: string;
  /** Clean-correct points attacked. */
  attacked: number;
  /** Of those, still robust. */
  robust: number;
}

export function fullBoxCheck(o: FullBoxOutcome | null): Check {
  const base = { id: 'full-box-not-zero', title: 'Attack at ε = the whole input box does not reach 0 %' };
  if (!o || o.attacked === 0) return { ...base, status: 'skipped', message: 'no clean-correct point to attack', evidence: {} };
  const evidence = { eps: o.eps, attack: o.attack, attacked: o.attacked, robust: o.robust, robustShare: o.robust / o.attacked };
  if (o.robust > 0) {
    return { ...base, evidence, status: 'flag', message: `${o.robust} of ${o.attacked} points stay robust at ε = ${o.eps} (the whole box): the attack cannot reach points it must reach` };
  }
  return { ...base, evidence, status: 'pass', message: `${o.attack} breaks all ${o.attacked} points at ε = ${o.eps} (the whole box)` };
}
