/**
 * Non-differentiable (piecewise-constant) ops → BPDA: differentiate them as the identity
 * (Athalye, Carlini, Wagner 2018, "Obfuscated Gradients Give a False Sense of Security",
 * arXiv:1802.00420). Every gradient attack takes straight-through gradients; FAB-T, which has no
 * such switch, runs as a transfer attack on the straight-through model. The forward pass, and so
 * every success, stays the true model's.
 */
import { getAttack, paramFields } from '../../attacks';
import { AdaptationRule, rewriteSteps } from './types';

export const bpdaRule: AdaptationRule = {
  id: 'bpda',
  reason: 'rounding/quantisation/sign have zero gradient almost everywhere, so plain gradient attacks stall; BPDA backpropagates through them as the identity (Athalye et al. 2018, arXiv:1802.00420)',
  detect(info) {
    return info.nonDifferentiable.length > 0 ? `piecewise-constant ops reachable from the input: ${info.nonDifferentiable.join(', ')}` : null;
  },
  apply(b) {
    const changed = new Set<string>();
    rewriteSteps(b, (s) => {
      const def = getAttack(s.attack);
      if (def.needs !== 'gradients') return s;
      if (paramFields(def).some((f) => f.key === 'straightThrough')) {
        changed.add(s.attack);
        return { ...s, params: { ...s.params, straightThrough: true } };
      }
      if (s.attack === 'transfer') return s;
      changed.add(`${s.attack} (as transfer from the straight-through model)`);
      return { ...s, attack: 'transfer', params: { attack: s.attack, params: s.params } };
    });
    return `straight-through gradients in ${[...changed].join(', ')}`;
  },
};
