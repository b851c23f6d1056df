/**
 * Saturated logits (a huge logit scale: the softmax is one-hot to machine precision, so the CE
 * loss and its gradient are exactly 0) → scale-invariant losses. DLR (Croce & Hein 2020,
 * arXiv:2003.01690 §3.2) is invariant to scaling the logits; the CW margin (Carlini & Wagner
 * 2017, arXiv:1608.04644) scales with them but never underflows. CE-based stages are replaced.
 */
import { AdaptationRule, rewriteSteps } from './types';

/** Share of probed points with an exactly-zero CE gradient (and a non-zero margin gradient) that triggers the rule. */
export const SATURATION_SHARE = 0.1;

export const scaleInvariantRule: AdaptationRule = {
  id: 'scale-invariant-losses',
  reason: 'with saturated logits the cross-entropy gradient underflows to 0 (even in float64) while the logit margin still has a gradient; DLR is invariant to the logit scale (Croce & Hein 2020, arXiv:2003.01690)',
  detect(_info, probe) {
    const g = probe.gradients;
    if (g.ceZero >= SATURATION_SHARE && g.cwZero < g.ceZero / 2) {
      return `CE gradient exactly 0 on ${(100 * g.ceZero).toFixed(1)}% of ${probe.points} probed points but the margin (CW) gradient on ${(100 * g.cwZero).toFixed(1)}%; median logit margin ${g.medianMargin.toPrecision(4)}`;
    }
    // With piecewise-constant ops both true gradients are 0; the attacks take straight-through
    // gradients (BPDA), so saturation is judged on those.
    const ce = g.ceZeroStraightThrough, cw = g.cwZeroStraightThrough;
    if (ce != null && cw != null && ce >= SATURATION_SHARE && cw < ce / 2) {
      return `with straight-through (BPDA) gradients, CE gradient exactly 0 on ${(100 * ce).toFixed(1)}% of ${probe.points} probed points but the margin (CW) gradient on ${(100 * cw).toFixed(1)}%; median logit margin ${g.medianMargin.toPrecision(4)}`;
    }
    return null;
  },
  apply(b) {
    const changes = new Set<string>();
    rewriteSteps(b, (s) => {
      if (s.attack === 'apgd-ce') { changes.add('APGD-CE → APGD-DLR'); return { ...s, attack: 'apgd-dlr', origin: s.origin === 'battery' ? 'scale-invariant-losses' : s.origin }; }
      if ((s.attack === 'pgd' || s.attack === 'fgsm') && (s.params.loss ?? 'ce') === 'ce') { changes.add(`${s.attack} CE → CW`); return { ...s, params: { ...s.params, loss: 'cw' } }; }
      if (s.attack === 'alt-pgd') { changes.add('alt-PGD losses CW → DLR'); return { ...s, params: { ...s.params, losses: ['cw', 'dlr'] } }; }
      return s;
    });
    // Two APGD-DLR stages in a row (thorough has one already) are kept: different restarts, same cost as before.
    return [...changes].join('; ') || 'no CE-based stage to replace';
  },
};
