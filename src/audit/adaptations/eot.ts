/**
 * Random ops → Expectation over Transformation: average the gradient over several draws per step
 * (Athalye, Engstrom, Ilyas, Kwok 2018, arXiv:1707.07397; Athalye, Carlini, Wagner 2018,
 * arXiv:1802.00420), and AutoAttack's version for randomized defences ("rand": APGD-CE and
 * APGD-DLR with averaged gradients; Croce & Hein 2020, arXiv:2003.01690). Success is judged by a
 * majority of fresh draws (runAttack).
 */
import { getAttack, paramFields } from '../../attacks';
import type { Battery } from '../battery';
import { AdaptationRule, allSteps } from './types';

export const eotRule: AdaptationRule = {
  id: 'eot',
  reason: 'a randomized model computes a random function: single-draw gradients are noisy samples, so attacks ascend the expected loss (EOT, Athalye et al. 2018, arXiv:1707.07397) as in AutoAttack\'s rand version',
  detect(info) {
    return info.random.length > 0 ? `random ops reachable from the input: ${info.random.join(', ')}` : null;
  },
  apply(b) {
    return applyEot(b);
  },
};

/** The EOT rewrite of a battery (in place), in words; also used to cost a random model's audit (../battery-cost.ts). */
export function applyEot(b: Battery): string {
  const k = b.eotDraws;
  let n = 0;
  for (const s of allSteps(b)) {
    if (paramFields(getAttack(s.attack)).some((f) => f.key === 'eot')) { s.params = { ...s.params, eot: k }; n++; }
  }
  const i = b.stages.findIndex((s) => s.attack === 'apgd-ce');
  const hasDlr = b.stages.some((s) => s.attack === 'apgd-dlr');
  let added = '';
  if (i >= 0 && !hasDlr) {
    b.stages.splice(i + 1, 0, { attack: 'apgd-dlr', params: { ...b.stages[i].params, eot: k }, origin: 'eot' });
    added = '; APGD-DLR with EOT added after APGD-CE (AutoAttack rand)';
  }
  return `${k} gradient draws averaged per step in ${n} gradient stages${added}; success judged by a majority of fresh draws`;
}
